using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>Emacs <c>open-network-stream</c>: a plain TCP stream, arguments in Emacs's order.</summary>
[Cmdlet(VerbsCommon.Open, "NetworkStream")]
[OutputType(typeof(StreamProcess))]
public sealed class OpenNetworkStreamCommand : CreateProcessCmdlet
{

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The buffer's name; null keeps output with the process.</summary>
    [Parameter(Position = 1)]
    [AllowNull]
    [AllowEmptyString]
    public string? Buffer { get; set; }

    [Parameter(Position = 2)]
    [ValidateNotNullOrEmpty]
    public new string? Host { get; set; }

    [Parameter(Mandatory = true, Position = 3)]
    [UnwrapArgument]
    public object? Service { get; set; }

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

    protected override void ProcessRecord() =>
        Connect(
            Name,
            Host,
            Service,
            family: null,
            ProcessProtocol.Stream,
            NoWait,
            stopped: false,
            p => Configure(p, string.IsNullOrEmpty(Buffer) ? null : Buffer, null, null, null, Encoding, noQuery: false));
}
