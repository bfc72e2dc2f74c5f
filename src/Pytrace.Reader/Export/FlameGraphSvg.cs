using System.Globalization;
using System.Security;
using Pytrace.Reader.Text;

namespace Pytrace.Reader.Export;

/// <summary>
/// A self-contained interactive flame graph (SVG with its own script and style, nothing fetched): one box per
/// distinct stack, as wide as its total time, the bottom frames at the bottom. Hovering shows the name, time,
/// share and calls; a click zooms into that frame, and "Reset zoom" (or a click on the root) zooms out.
/// </summary>
public static class FlameGraphSvg
{
    private const int Width = 1200, FrameHeight = 17, Top = 36, Bottom = 24;
    /// <summary>Boxes narrower than this share of the whole are left out: they could not be seen, and would only make the file big.</summary>
    private const double MinShare = 0.0002;

    public static void Write(StackTree tree, TextWriter output, string title)
    {
        var root = tree.Nodes[0];
        long total = root.Children.Sum(c => tree.Nodes[c].TotalNs);
        var boxes = new List<(int Node, double X, double W)>();
        Layout(tree, 0, 0, 1, total, boxes);
        int depth = boxes.Count == 0 ? 1 : boxes.Max(b => tree.Nodes[b.Node].Depth) + 2;
        int height = Top + depth * FrameHeight + Bottom;
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine("""<?xml version="1.0" standalone="no"?>""");
        output.WriteLine(string.Create(inv, $"""<svg version="1.1" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" xmlns="http://www.w3.org/2000/svg" onload="init(evt)">"""));
        output.WriteLine("""<style>text{font-family:monospace;font-size:12px;fill:#000}#title{font-size:17px}#details,#reset{font-size:12px}.f:hover rect{stroke:#000;stroke-width:0.5;cursor:pointer}#reset{cursor:pointer;opacity:0}</style>""");
        output.WriteLine(string.Create(inv, $"""<rect x="0" y="0" width="{Width}" height="{height}" fill="#f8f8f8"/>"""));
        output.WriteLine(string.Create(inv, $"""<text id="title" x="{Width / 2}" y="22" text-anchor="middle">{Escape(title)}</text>"""));
        output.WriteLine("""<text id="reset" x="10" y="22" onclick="unzoom()">Reset zoom</text>""");
        output.WriteLine(string.Create(inv, $"""<text id="details" x="10" y="{height - 8}"> </text>"""));
        output.WriteLine("""<g id="frames">""");
        // The root: everything recorded, clickable to zoom out.
        Box(output, -1, "all", "", total, total, 0, 0, 1, 0, height, inv);
        foreach (var (node, x, w) in boxes)
        {
            var n = tree.Nodes[node];
            Box(output, node, n.Name, n.Location, n.TotalNs, total, n.Calls, x, w, n.Depth + 1, height, inv);
        }
        output.WriteLine("</g>");
        output.WriteLine("<script type=\"text/ecmascript\"><![CDATA[" + Script + "]]></script>");
        output.WriteLine("</svg>");
    }

    private static void Layout(StackTree tree, int node, double x, double w, long parentTotal, List<(int, double, double)> boxes)
    {
        var children = tree.Nodes[node].Children.Select(c => tree.Nodes[c]).ToList();
        long sum = Math.Max(parentTotal, children.Sum(c => c.TotalNs));
        double at = x;
        foreach (int child in tree.Nodes[node].Children.OrderBy(c => tree.Nodes[c].Name, StringComparer.Ordinal))
        {
            double cw = sum == 0 ? 0 : w * tree.Nodes[child].TotalNs / sum;
            if (cw >= MinShare)
            {
                boxes.Add((child, at, cw));
                Layout(tree, child, at, cw, tree.Nodes[child].TotalNs, boxes);
            }
            at += cw;
        }
    }

    private static void Box(TextWriter output, int node, string name, string location, long ns, long total, long calls,
        double x, double w, int level, int height, CultureInfo inv)
    {
        double y = height - Bottom - (level + 1) * FrameHeight;
        var share = total == 0 ? 0 : 100.0 * ns / total;
        var info = $"{name}{(location.Length > 0 ? " (" + location + ")" : "")} — {Durations.Format(ns)}, {share.ToString("0.##", inv)}%{(calls > 0 ? $", {calls:N0} calls" : "")}";
        output.WriteLine(string.Create(inv,
            $"""<g class="f" data-x="{x:R}" data-w="{w:R}" data-l="{level}" onmouseover="show(this)" onmouseout="hide()" onclick="zoom(this)"><title>{Escape(info)}</title><rect x="{x * Width:0.##}" y="{y}" width="{Math.Max(0, w * Width - 0.5):0.##}" height="{FrameHeight - 1}" rx="2" fill="{Colour(name)}"/><text x="{x * Width + 3:0.##}" y="{y + FrameHeight - 5}">{Escape(name)}</text></g>"""));
    }

    // Warm colours, the same for the same name in every graph.
    private static string Colour(string name)
    {
        uint h = 2166136261;
        foreach (char c in name) h = (h ^ c) * 16777619;
        return $"rgb({205 + (int)(h % 50)},{(int)(h / 50 % 130) + 60},{(int)(h / 6500 % 55)})";
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    // Zoom rescales the boxes at or above the clicked one and dims the others; labels are cut to their box.
    private const string Script = """

        var frames, details, reset, W;
        function init(evt) { frames = document.getElementById("frames").children; details = document.getElementById("details");
          reset = document.getElementById("reset"); W = document.documentElement.getAttribute("width") - 0; place(0, 1, 0); }
        function show(g) { details.textContent = g.getElementsByTagName("title")[0].textContent; }
        function hide() { details.textContent = " "; }
        function place(x0, w0, l0) {
          for (var i = 0; i < frames.length; i++) {
            var g = frames[i], x = +g.dataset.x, w = +g.dataset.w, l = +g.dataset.l;
            var inside = x + w > x0 + 1e-12 && x < x0 + w0 - 1e-12;
            var r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("text")[0];
            var nx = Math.max(0, (x - x0) / w0) * W, nw = Math.min(W - nx, (Math.min(x + w, x0 + w0) - Math.max(x, x0)) / w0 * W);
            g.style.display = inside ? "" : "none";
            g.style.opacity = l < l0 ? 0.5 : 1;
            r.setAttribute("x", nx); r.setAttribute("width", Math.max(0, nw - 0.5));
            t.setAttribute("x", nx + 3);
            var label = g.getElementsByTagName("title")[0].textContent.split(" ")[0], fit = Math.floor((nw - 6) / 7);
            t.textContent = fit < 3 ? "" : label.length <= fit ? label : label.substring(0, fit - 2) + "..";
          }
        }
        function zoom(g) { if (+g.dataset.l == 0) return unzoom(); place(+g.dataset.x, +g.dataset.w, +g.dataset.l); reset.style.opacity = 1; }
        function unzoom() { place(0, 1, 0); reset.style.opacity = 0; }

        """;
}
