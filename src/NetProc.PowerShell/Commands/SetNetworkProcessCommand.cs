using System.Collections;
using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>Emacs <c>set-process-filter</c>, <c>-sentinel</c>, <c>-buffer</c>, <c>-plist</c>, <c>-coding-system</c>, <c>-query-on-exit-flag</c>.</summary>
[Cmdlet(VerbsCommon.Set, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(ProcessObject))]
public sealed class SetNetworkProcessCommand : ProcessSelectionCmdlet
{
    /// <summary>The new filter; <c>$null</c> sends output to the buffer again.</summary>
    [Parameter]
    [AllowNull]
    public ScriptBlock? Filter { get; set; }

    /// <summary>
    /// The new sentinel, <c>param($Process, $Message)</c> (Emacs <c>set-process-sentinel</c>); <c>$null</c> removes
    /// it. On a server, connections accepted from then on get it.
    /// </summary>
    [Parameter]
    [AllowNull]
    public ScriptBlock? Sentinel { get; set; }

    /// <summary>A server's log, <c>param($Server, $Connection, $Message)</c>; <c>$null</c> removes it.</summary>
    [Parameter]
    [AllowNull]
    public ScriptBlock? Log { get; set; }

    /// <summary>A buffer name; <c>$null</c> or empty keeps output with the process itself.</summary>
    [Parameter]
    [AllowNull]
    [AllowEmptyString]
    public string? Buffer { get; set; }

    /// <summary>
    /// Replaces the process's Plist (Emacs <c>set-process-plist</c>); <c>$null</c> leaves it empty. To change one
    /// entry, change <c>$process.Plist</c> itself.
    /// </summary>
    [Parameter]
    [AllowNull]
    public Hashtable? Plist { get; set; }

    /// <summary>
    /// The encoding for text sent and received from now on (Emacs <c>set-process-coding-system</c>): utf8, ascii,
    /// latin1, unicode, bigendianunicode, utf32, a code page number, an Encoding object, or Byte for byte[] output.
    /// </summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

    /// <summary>
    /// Sets the QueryOnExit flag (Emacs <c>set-process-query-on-exit-flag</c>), e.g. <c>-QueryOnExit:$false</c>, as
    /// New-NetworkProcess -NoQuery does at creation. A live process with the flag set is named in the warning the
    /// session gives when it ends (pwsh exits, the runspace closes) before closing its processes.
    /// </summary>
    [Parameter]
    public bool QueryOnExit { get; set; }

    /// <summary>For a datagram process: where sends go from now on (Emacs <c>set-process-datagram-address</c>).</summary>
    [Parameter]
    [ValidateNotNull]
    [UnwrapArgument]
    public object? DatagramAddress { get; set; }

    /// <summary>
    /// Seconds a close keeps trying to deliver what was sent before it resets the connection; 0 resets at once. Set on
    /// a server, it is given to connections accepted from then on.
    /// </summary>
    [Parameter]
    [ValidateRange(0, double.MaxValue)]
    public double Linger { get; set; }

    /// <summary>Writes each selected process to the pipeline after changing it. Without it, the cmdlet writes nothing.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in SelectProcesses())
        {
            if (ShouldProcess(process.Name, "Set " + string.Join(", ", MyInvocation.BoundParameters.Keys.Where(IsSetting))))
            {
                try
                {
                    Apply(process);
                    WriteVerbose($"Set {string.Join(", ", MyInvocation.BoundParameters.Keys.Where(IsSetting))} of {process.Name}.");
                }
                catch (NetProcException e)
                {
                    WriteError(e);
                    continue;
                }
            }

            if (PassThru)
            {
                WriteObject(process);
            }
        }

        // Output that waited for a filter (or for a buffer) goes there now.
        Session.DeliverPending(WriteWarning);
    }

    private static bool IsSetting(string parameter) =>
        parameter is nameof(Filter) or nameof(Sentinel) or nameof(Log) or nameof(Buffer) or nameof(Plist) or nameof(Encoding) or nameof(QueryOnExit)
            or nameof(DatagramAddress) or nameof(Linger);

    private void Apply(ProcessObject process)
    {
        var bound = MyInvocation.BoundParameters;

        // The settings that can be refused go first, so a refusal changes nothing.
        if (bound.ContainsKey(nameof(Linger)) && process is DatagramProcess)
        {
            throw new NetProcException(
                NetProcError.IncompatibleParameters, $"Process {process.Name} is a datagram socket: -Linger is for stream sockets.", process);
        }

        if (DatagramAddress is not null)
        {
            if (process is not DatagramProcess datagram)
            {
                throw new NetProcException(
                    NetProcError.InvalidEndpoint, $"Process {process.Name} is not a datagram process; it has no datagram address.", process);
            }

            datagram.SetDatagramAddress(DatagramAddress);
        }

        if (bound.ContainsKey(nameof(Linger)))
        {
            process.Linger = Linger;
        }
        if (bound.ContainsKey(nameof(Filter)))
        {
            process.Filter = Filter;
        }

        if (bound.ContainsKey(nameof(Sentinel)))
        {
            process.Sentinel = Sentinel;
        }

        if (bound.ContainsKey(nameof(Log)))
        {
            process.Log = Log;
        }

        if (bound.ContainsKey(nameof(Buffer)))
        {
            process.SetBuffer(string.IsNullOrEmpty(Buffer) ? null : Session.Table.AttachBuffer(Buffer));
        }

        if (bound.ContainsKey(nameof(Plist)))
        {
            process.Plist = Plist ?? new Hashtable();
        }

        if (Encoding is not null)
        {
            process.Encoding = EncodingArgumentAttribute.ForEngine(Encoding);
        }

        if (bound.ContainsKey(nameof(QueryOnExit)))
        {
            process.QueryOnExit = QueryOnExit;
        }
    }
}
