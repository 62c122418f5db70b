namespace NetProc.Engine.Serial;

// NetProc's own spelling of a line setting: System.IO.Ports types never appear in a public parameter or property,
// because PowerShell resolves those before the module can point System.IO.Ports at the host's copy.
/// <summary>Parity bit of a serial line (Emacs <c>:parity</c> nil, even, odd).</summary>
public enum SerialParity { None, Even, Odd }
