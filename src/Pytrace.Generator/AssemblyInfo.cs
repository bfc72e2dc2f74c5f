// The hot path stack-allocates scratch space it always writes before reading; zeroing it is pure cost.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
