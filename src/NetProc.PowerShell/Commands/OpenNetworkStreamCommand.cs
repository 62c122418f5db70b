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
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    public object? Service { get; set; }

    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>
    /// Seconds the connect may take, name lookup included (fractions allowed); then it fails with ConnectTimeout and
    /// leaves nothing behind (with -NoWait the process turns Failed). Omitted: no limit but the system's.
    /// </summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, double.MaxValue)]
    public double? Timeout { get; set; }

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
            Timeout,
            stopped: false,
            p => Configure(p, string.IsNullOrEmpty(Buffer) ? null : Buffer, null, null, null, Encoding, noQuery: false));
}
