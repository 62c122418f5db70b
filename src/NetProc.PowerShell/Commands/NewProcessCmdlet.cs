using System.Collections;
using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>
/// The process options <c>New-NetworkProcess</c> and <c>New-SerialProcess</c> share (Emacs's keywords common to
/// <c>make-network-process</c> and <c>make-serial-process</c>): start suspended, query flag, buffer, callbacks, plist,
/// encoding. <c>Open-NetworkStream</c> takes its own few (Emacs's positional arguments) and derives from
/// <see cref="CreateProcessCmdlet"/> directly.
/// </summary>
public abstract class NewProcessCmdlet : CreateProcessCmdlet
{
    /// <summary>Only this module's cmdlets derive from it.</summary>
    private protected NewProcessCmdlet()
    {
    }

    /// <summary>
    /// Creates the process suspended (Emacs <c>:stop t</c>): a stream or serial port reads nothing and a server accepts
    /// nobody until Resume-NetworkProcess (a datagram socket still reads into its window). Callbacks can be set before
    /// anything arrives.
    /// </summary>
    [Parameter]
    [Alias("Suspended")]
    public SwitchParameter Stopped { get; set; }

    /// <summary>
    /// Clears the process's QueryOnExit flag (Emacs <c>:noquery t</c>, which spares a process the question on exit):
    /// when the session ends with it still live, it is closed without being listed in the warning that names the live
    /// processes. A server's connections do not inherit the flag. Set-NetworkProcess -QueryOnExit changes it later.
    /// </summary>
    [Parameter]
    public SwitchParameter NoQuery { get; set; }

    /// <summary>
    /// The name of the buffer that keeps the output (Emacs <c>:buffer</c>). Several processes may share one buffer;
    /// Receive-NetworkProcess on any of them reads it. Omitted: the process keeps its output itself. A server's
    /// connections get a buffer named after this one plus their <c>&lt;...&gt;</c> suffix.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Buffer { get; set; }

    /// <summary>
    /// Called with every chunk of output instead of keeping it in the buffer (Emacs <c>:filter</c>):
    /// <c>param($Process, $Data)</c>, $Data a string, or byte[] with -Encoding Byte. It runs on the PowerShell thread
    /// while the session waits (prompt, Wait-NetworkProcess, Receive-NetworkProcess -Wait). A server gives it to
    /// every connection it accepts.
    /// </summary>
    [Parameter]
    public ScriptBlock? Filter { get; set; }

    /// <summary>
    /// Called when the process's status changes (Emacs <c>:sentinel</c>): <c>param($Process, $Message)</c>, with
    /// Emacs's messages such as <c>"open\n"</c>, <c>"connection broken by remote peer\n"</c> and <c>"deleted\n"</c>
    /// (a serial port: <c>"finished\n"</c>, and <c>"exited abnormally with code 256\n"</c> when the device goes away;
    /// see about_NetProc). A server gives it to every connection it accepts.
    /// </summary>
    [Parameter]
    public ScriptBlock? Sentinel { get; set; }

    /// <summary>
    /// Your own data kept with the process, in its Plist property (Emacs <c>:plist</c>); the hashtable is copied. A
    /// server gives each connection a copy of its own.
    /// </summary>
    [Parameter]
    public Hashtable? Plist { get; set; }

    /// <summary>
    /// How text is encoded when sent and decoded when received (Emacs <c>:coding</c>): utf8 (the default), ascii,
    /// latin1, unicode, bigendianunicode, utf32, a code page number, an Encoding object, or Byte for binary data
    /// (output then comes as byte[]). Decoding is stateful: a character split across two reads arrives whole.
    /// </summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

    /// <summary>Applies these options to a new process.</summary>
    private protected void ConfigureOptions(ProcessObject process) => Configure(process, Buffer, Filter, Sentinel, Plist, Encoding, NoQuery);
}
