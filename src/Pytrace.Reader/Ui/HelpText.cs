namespace Pytrace.Reader.Ui;

/// <summary>The `h` screen.</summary>
public static class HelpText
{
    public static readonly string[] Lines =
    [
        "pytrace reader keys                                        (q, Esc or h to go back)",
        "",
        "  j k ↓ ↑            next / previous row (a number first: that many)",
        "  space PgDn ^F      next page                 b PgUp ^B   previous page",
        "  d ^D               half page down            ^U          half page up",
        "  g Home / G End     first / last row          N g         jump to call id N",
        "  ← →                scroll sideways           ^L          redraw",
        "",
        "  /regex  ?regex     search forward / backward (names, arguments, results; whole database)",
        "  n N                next / previous match",
        "  & f                filter prompt (empty line clears); Tab completes (Tab, ↑ ↓ pick), ↑ ↓ recall",
        "",
        "  %                  jump between a call and its return",
        "  u                  parent call               ] [         next / previous sibling",
        "  e E                next / previous exception",
        "  Enter              details of the call (arguments and result in full)",
        "  t                  only this thread / all threads",
        "  s                  per-function stats of what is shown (Enter filters to a function)",
        "  F                  follow new calls as they are written (any key stops)",
        "  q ^C               quit",
        "",
        "filter examples",
        "  func == 'checkout' and arg == 'user' and value == 'ann'",
        "  module == 'shop%'          file ~= 'shop\\.py$'          duration > 0.01",
        "  arg == 'exception' and type == 'KeyError'                  not (module == 'json%')",
        "  time > '12:01:02' and tid == 1                             depth < 3 or func != 'helper'",
        "  kind == 'log' and value ~= 'checkout'                      (• marks a pytrace.log() record)",
        "  args.item == 'pen' and args.qty > 1                        return > 10",
        "fields: time tid pid thread module func file line depth duration kind arg value type return args.NAME",
    ];
}
