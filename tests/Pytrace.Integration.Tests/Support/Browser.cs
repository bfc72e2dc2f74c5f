namespace Pytrace.Integration.Tests.Support;

/// <summary>A real headless browser (Debian's chromium, which test.sh installs) for what is meant to be looked at.</summary>
public static class Browser
{
    public static string Find()
    {
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        const string missing = "no chromium on PATH (test.sh installs it: apt-get install chromium)";
        if (Environment.GetEnvironmentVariable("CI") is "true" or "1") Assert.Fail(missing);
        Assert.Skip(missing);
        return "";
    }
}
