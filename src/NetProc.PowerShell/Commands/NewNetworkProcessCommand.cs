using System.Collections;
using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>Emacs <c>make-network-process</c>: opens a TCP client as a process object.</summary>
[Cmdlet(VerbsCommon.New, "NetworkProcess")]
[OutputType(typeof(NetworkProcess))]
public sealed class NewNetworkProcessCommand : ConnectCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The host to connect to; omitted means loopback, as Emacs's <c>:host nil</c>.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public new string? Host { get; set; }

    /// <summary>A port number, a numeric string, or a name from the services file (<c>http</c>).</summary>
    [Parameter(Mandatory = true)]
    public object? Service { get; set; }

    [Parameter]
    [ValidateSet("IPv4", "IPv6")]
    public ProcessFamily? Family { get; set; }

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    public SwitchParameter Stopped { get; set; }

    [Parameter]
    public SwitchParameter NoQuery { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Buffer { get; set; }

    [Parameter]
    public ScriptBlock? Filter { get; set; }

    [Parameter]
    public ScriptBlock? Sentinel { get; set; }

    [Parameter]
    public Hashtable? Plist { get; set; }

    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

    protected override void ProcessRecord() =>
        Connect(Name, Host, Service, Family, NoWait, Stopped, p => Configure(p, Buffer, Filter, Sentinel, Plist, Encoding, NoQuery));
}
