namespace NetProc.Engine.Serial;

// NetProc's own spellings of the line settings: System.IO.Ports types never appear in a public parameter or property,
// because PowerShell resolves those before the module can point System.IO.Ports at the host's copy.

/// <summary>Parity bit of a serial line (Emacs <c>:parity</c> nil, even, odd).</summary>
public enum SerialParity { None, Even, Odd }

/// <summary>Stop bits of a serial line (Emacs <c>:stopbits</c> 1 or 2); the values are the numbers users type.</summary>
public enum SerialStopBits { One = 1, Two = 2 }

/// <summary>Flow control (Emacs <c>:flowcontrol</c> nil, hw = RTS/CTS, sw = XON/XOFF).</summary>
public enum SerialFlowControl { None, Hardware, Software }
