using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>open-network-stream</c>: a TCP stream, plain or TLS (from the start, or after STARTTLS), arguments in Emacs's
/// order; with -EndOfCommand it reads the greeting and capabilities on the way.
/// </summary>
[Cmdlet(VerbsCommon.Open, "NetworkStream")]
[OutputType(typeof(StreamProcess))]
public sealed class OpenNetworkStreamCommand : CreateProcessCmdlet, IDynamicParameters
{
    /// <summary>The TLS parameters, shared with New-NetworkProcess and Protect-NetworkProcess.</summary>
    private readonly TlsParameters tlsParameters = new();

    /// <summary>
    /// The process's name, unique in the session (a second <c>web</c> becomes <c>web&lt;1&gt;</c>). The first of
    /// Emacs's positional arguments.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The buffer's name; null keeps output with the process.</summary>
    [Parameter(Position = 1)]
    [AllowNull]
    [AllowEmptyString]
    public string? Buffer { get; set; }

    /// <summary>The host to connect to: a name or an address. Omitted: loopback.</summary>
    [Parameter(Position = 2)]
    [Alias("Host")]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    /// <summary>The port: a number, a numeric string, or a name from the services file (<c>http</c>).</summary>
    [Parameter(Mandatory = true, Position = 3)]
    [UnwrapArgument]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    public object? Service { get; set; }

    /// <summary>
    /// How the stream is secured (Emacs <c>:type</c>): Network (the default) is plain, upgraded with STARTTLS when
    /// -CapabilityCommand, -StartTlsCommand and -Success are given and the server offers it; Plain never upgrades; Tls
    /// speaks TLS from the first byte; StartTls demands STARTTLS: a server without it, or a failed upgrade, is an error
    /// and the connection is closed. TLS checks the server's certificate (see -CertificateAuthority,
    /// -ServerCertificateThumbprint, -TlsServerName, -SkipCertificateCheck).
    /// </summary>
    [Parameter]
    public NetworkStreamType Type { get; set; } = NetworkStreamType.Network;

    /// <summary>
    /// Returns at once, status Connect, while the connect goes on in the background (Emacs <c>:nowait t</c>); a
    /// sentinel set later with Set-NetworkProcess hears <c>"open\n"</c> or <c>"failed with code N\n"</c>. A send
    /// waits for the connect to end.
    /// </summary>
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

    /// <summary>
    /// How text is encoded and decoded (Emacs <c>:coding</c>): utf8 (the default), ascii, latin1, unicode,
    /// bigendianunicode, utf32, a code page number, or Byte for binary data (output then comes as byte[]).
    /// </summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

    /// <summary>
    /// A regular expression that ends every server response (Emacs <c>:end-of-command</c>), e.g.
    /// <c>'^[0-9]{3} .*\r\n'</c> for SMTP; ^ and $ match at line ends. Given, the greeting is read up to it (into the
    /// process's Greeting) before the cmdlet returns, unless -NoGreeting.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EndOfCommand { get; set; }

    /// <summary>
    /// The command that asks the server for its capabilities (Emacs <c>:capability-command</c>), with its line end
    /// (<c>"EHLO me`r`n"</c>), or a ScriptBlock given the greeting that returns it. Sent before STARTTLS and again after
    /// it (with -Type Plain or Tls only with -AlwaysQueryCapabilities); the answer is in the process's Capabilities.
    /// </summary>
    [Parameter]
    [UnwrapArgument]
    [ValidateNotNull]
    public object? CapabilityCommand { get; set; }

    /// <summary>A regular expression that ends the capabilities response (Emacs <c>:end-of-capability</c>); omitted: -EndOfCommand.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EndOfCapability { get; set; }

    /// <summary>
    /// The command that starts TLS (Emacs <c>:starttls-function</c>), with its line end: text, sent when the
    /// capabilities name its last word (<c>"STARTTLS`r`n"</c> needs STARTTLS among them, <c>"STLS`r`n"</c> STLS), or a
    /// ScriptBlock given the capabilities that returns the command, or $null when the server offers no STARTTLS.
    /// </summary>
    [Parameter]
    [UnwrapArgument]
    [ValidateNotNull]
    public object? StartTlsCommand { get; set; }

    /// <summary>A regular expression the reply to the STARTTLS command must match for TLS to start (Emacs <c>:success</c>), e.g. <c>'^2'</c>.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Success { get; set; }

    /// <summary>Asks for the capabilities (with -CapabilityCommand) even with -Type Plain or Tls (Emacs <c>:always-query-capabilities</c>).</summary>
    [Parameter]
    public SwitchParameter AlwaysQueryCapabilities { get; set; }

    /// <summary>The server sends no greeting (Emacs <c>:nogreeting</c>): the dialogue starts with the capability command.</summary>
    [Parameter]
    public SwitchParameter NoGreeting { get; set; }

    /// <summary>PowerShell binds the TLS parameters as this cmdlet's own.</summary>
    public object GetDynamicParameters() => tlsParameters;

    protected override void ProcessRecord()
    {
        bool upgrade = Type == NetworkStreamType.StartTls
            || (Type == NetworkStreamType.Network && CapabilityCommand is not null && StartTlsCommand is not null && Success is not null);
        bool queryCapabilities = CapabilityCommand is not null && (upgrade || AlwaysQueryCapabilities);
        bool dialogue = (EndOfCommand is not null && !NoGreeting) || queryCapabilities || upgrade;
        CheckDialogueParameters(upgrade, dialogue);
        var end = Pattern(EndOfCommand);
        var endOfCapability = Pattern(EndOfCapability) ?? end;
        var success = Pattern(Success);

        if (!TryMakeTls(() => Type == NetworkStreamType.Tls || upgrade ? tlsParameters.ClientSettings(Session.Table, WriteWarning) : null, out var settings))
        {
            return;
        }

        var process = Connect(
            Name,
            HostName,
            Service,
            family: null,
            ProcessSocketType.Stream,
            NoWait,
            Timeout,
            stopped: false,
            p => Configure(p, string.IsNullOrEmpty(Buffer) ? null : Buffer, null, null, null, Encoding, noQuery: false),
            Type == NetworkStreamType.Tls ? settings : null,
            write: !dialogue);
        if (process is null || !dialogue)
        {
            return;
        }

        bool done = false;
        try
        {
            var talk = new StreamDialogue(Session, this, process, Timeout);
            if (end is not null && !NoGreeting)
            {
                process.Greeting = talk.ReadResponse(end, "greeting");
            }

            string AskCapabilities() =>
                talk.Ask(StreamDialogue.CommandFrom(CapabilityCommand!, process.Greeting) ?? string.Empty, endOfCapability!, "capabilities");

            if (queryCapabilities)
            {
                process.Capabilities = AskCapabilities();
            }

            if (upgrade && StartTls(talk, process, end!, success!, settings!))
            {
                process.Capabilities = AskCapabilities();
            }

            talk.LeaveRestUnread();
            done = true;
            WriteObject(process);
        }
        catch (NetProcException e)
        {
            WriteError(e);
        }
        finally
        {
            if (!done)
            {
                // Never left half-made, nor silently plain when TLS was demanded.
                Session.Remove(process, WriteWarning);
            }
        }
    }

    /// <summary>
    /// Sends the STARTTLS command if the server offers it and upgrades if its reply is <paramref name="success"/>; true
    /// when it did. With -Type StartTls a server that does not offer it, or refuses it, is an error; with Network the
    /// stream stays plain.
    /// </summary>
    private bool StartTls(StreamDialogue talk, StreamProcess process, Regex end, Regex success, TlsSettings settings)
    {
        bool mandatory = Type == NetworkStreamType.StartTls;
        string? command = StartTlsCommand is ScriptBlock
            ? StreamDialogue.CommandFrom(StartTlsCommand, process.Capabilities)
            : Offers(process.Capabilities, StartTlsCommand!.ToString()!) ? StartTlsCommand.ToString() : null;
        if (command is null)
        {
            return !mandatory ? false : throw new NetProcException(
                NetProcError.TlsNotOffered,
                $"{process.HostAndService} does not offer STARTTLS (its capabilities: '{process.Capabilities?.Trim()}'), and -Type StartTls demands TLS: the connection was closed. "
                + "-Type Network would stay plain.",
                process);
        }

        string reply = talk.Ask(command, end, "reply to the STARTTLS command");
        if (!success.IsMatch(reply))
        {
            return !mandatory ? false : throw new NetProcException(
                NetProcError.TlsNotOffered,
                $"{process.HostAndService} refused STARTTLS ('{reply.Trim()}' does not match -Success '{success}'), and -Type StartTls demands TLS: the connection was closed.",
                process);
        }

        talk.Upgrade(settings, StopToken);
        return true;
    }

    /// <summary>Whether the capabilities name the command's last word (STARTTLS, STLS) as a word of their own.</summary>
    private static bool Offers(string? capabilities, string command)
    {
        string word = command.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? string.Empty;
        return capabilities is not null && word.Length > 0
            && Regex.IsMatch(capabilities, $@"\b{Regex.Escape(word)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    /// <summary>Parameters that cannot go together stop the command before anything connects.</summary>
    private void CheckDialogueParameters(bool upgrade, bool dialogue)
    {
        string? why = Type == NetworkStreamType.Plain && tlsParameters.Any ? "TLS parameters need -Type Tls, StartTls or Network."
            : Type == NetworkStreamType.StartTls && (EndOfCommand is null || CapabilityCommand is null || StartTlsCommand is null || Success is null)
                ? "-Type StartTls needs the protocol's dialogue: -EndOfCommand, -CapabilityCommand, -StartTlsCommand and -Success (see the examples for SMTP and IMAP)."
            : upgrade && EndOfCommand is null ? "STARTTLS needs -EndOfCommand, to read the server's replies."
            : CapabilityCommand is not null && EndOfCommand is null && EndOfCapability is null ? "-CapabilityCommand needs -EndOfCapability or -EndOfCommand, to read the answer."
            : dialogue && NoWait ? "-NoWait cannot go with a dialogue (-EndOfCommand, capabilities, STARTTLS): it needs the connection open."
            : new[] { CapabilityCommand, StartTlsCommand }.FirstOrDefault(c => c is not null and not string and not ScriptBlock) is { } odd
                ? $"-CapabilityCommand and -StartTlsCommand take text or a ScriptBlock, not a {odd.GetType().Name}."
            : null;
        if (why is not null)
        {
            ThrowTerminating(new NetProcException(NetProcError.IncompatibleParameters, why, Name));
        }
    }

    /// <summary>A user's pattern, ^ and $ matching at line ends; a malformed one stops the command.</summary>
    private Regex? Pattern(string? pattern)
    {
        try
        {
            return pattern is null ? null : new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            ThrowTerminating(new NetProcException(NetProcError.InvalidData, $"'{pattern}' is not a valid regular expression: {e.Message}", pattern));
            return null;
        }
    }
}
