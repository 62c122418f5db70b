namespace NetProc.Engine.Serial;

// NetProc's own spelling of a line setting: System.IO.Ports types never appear in a public parameter or property,
// because PowerShell resolves those before the module can point System.IO.Ports at the host's copy.
/// <summary>Stop bits of a serial line (Emacs <c>:stopbits</c> 1 or 2); the values are the numbers users type.</summary>
public enum SerialStopBits { One = 1, Two = 2 }
