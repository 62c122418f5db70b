namespace NetProc.Engine.Serial;

// NetProc's own spelling of a line setting: System.IO.Ports types never appear in a public parameter or property,
// because PowerShell resolves those before the module can point System.IO.Ports at the host's copy.
/// <summary>Flow control (Emacs <c>:flowcontrol</c> nil, hw = RTS/CTS, sw = XON/XOFF).</summary>
public enum SerialFlowControl { None, Hardware, Software }
