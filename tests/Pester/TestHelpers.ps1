# Shared helpers: dot-source in BeforeAll. Peers are raw .NET sockets on loopback, driven from the test thread.

Import-Module $env:NETPROC_MODULE -Force

$script:Utf8 = [System.Text.UTF8Encoding]::new($false)

# Raw peers that read in the background and tell a normal close from a reset (compiled once per session).
if (-not ('NetProcTestPeer' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'TestPeers.cs') }

# Raw sockets and listeners the helpers made; Clear-TestSockets closes them (call it in AfterEach).
$script:TestSockets = [System.Collections.Generic.List[object]]::new()

# A listening raw socket on 127.0.0.1 (or ::1) port 0; read its port from .Port.
function New-TestListener {
    param([ValidateSet('IPv4', 'IPv6')] [string] $Family = 'IPv4')
    $address = if ($Family -eq 'IPv6') { [ipaddress]::IPv6Loopback } else { [ipaddress]::Loopback }
    $listener = [System.Net.Sockets.TcpListener]::new($address, 0)
    $listener.Start(100)
    $script:TestSockets.Add($listener)
    $listener | Add-Member -NotePropertyName Port -NotePropertyValue $listener.LocalEndpoint.Port -PassThru
}

# A loopback port whose listener never answers a connect: its accept queue (backlog 1, which holds two) is full and
# nobody accepts, so Linux drops every further SYN, as a firewall that filters the port would.
function New-UnansweringPort {
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
    $listener.Start(1)
    $script:TestSockets.Add($listener)
    $port = $listener.LocalEndpoint.Port
    foreach ($n in 1..2) {
        $filler = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $script:TestSockets.Add($filler)
        $filler.Connect([ipaddress]::Loopback, $port)
    }
    $port
}

# How many sockets of this machine are still trying to connect (SYN-SENT in /proc/net/tcp*) to a loopback port.
function Get-TestConnectingCount([int] $Port) {
    $remote = ':{0:X4}' -f $Port
    @(Get-Content /proc/net/tcp, /proc/net/tcp6 | Where-Object {
            $fields = -split $_
            $fields[3] -eq '02' -and $fields[2].EndsWith($remote)
        }).Count
}

# Accepts the next pending connection as a raw Socket, failing after the timeout.
function Get-TestPeer {
    param([Parameter(Mandatory)] $Listener, [double] $Timeout = 5)
    $task = $Listener.AcceptSocketAsync()
    if (-not $task.Wait([timespan]::FromSeconds($Timeout))) { throw "no connection within $Timeout s" }
    $socket = $task.Result
    $socket.ReceiveTimeout = [int]($Timeout * 1000)
    $script:TestSockets.Add($socket)
    $socket
}

function Send-TestBytes {
    param([Parameter(Mandatory)] $Socket, [Parameter(Mandatory)] $Data)
    $bytes = if ($Data -is [byte[]]) { $Data } else { $script:Utf8.GetBytes([string]$Data) }
    $sent = 0
    while ($sent -lt $bytes.Length) { $sent += $Socket.Send($bytes, $sent, $bytes.Length - $sent, 'None') }
}

# Reads from a raw socket until $Count bytes came (or the peer closed / the socket's timeout passed).
function Read-TestBytes {
    param([Parameter(Mandatory)] $Socket, [Parameter(Mandatory)] [int] $Count)
    $buffer = [byte[]]::new($Count)
    $got = 0
    while ($got -lt $Count) {
        $n = $Socket.Receive($buffer, $got, $Count - $got, 'None')
        if ($n -eq 0) { break }
        $got += $n
    }
    if ($got -lt $Count) { return $buffer[0..($got - 1)] }
    , $buffer
}

function Read-TestText {
    param([Parameter(Mandatory)] $Socket, [Parameter(Mandatory)] [int] $Count)
    $script:Utf8.GetString((Read-TestBytes -Socket $Socket -Count $Count))
}

# Receives from a process until $Predicate holds for the text gathered so far or the timeout passes.
function Receive-TestText {
    param([Parameter(Mandatory)] $Process, [scriptblock] $Until = { $false }, [double] $Timeout = 5)
    $text = [System.Text.StringBuilder]::new()
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while ([datetime]::UtcNow -lt $deadline) {
        foreach ($chunk in Receive-NetworkProcess -InputObject $Process -Wait -Timeout 0.2) { $null = $text.Append($chunk) }
        if (& $Until $text.ToString()) { break }
        if (-not $Process.IsLive) { break }
    }
    $text.ToString()
}

# Removes every process of this session; for AfterEach.
function Clear-NetworkProcesses {
    Get-NetworkProcess | Remove-NetworkProcess -Confirm:$false
}

# Closes every raw socket and listener the helpers made; for AfterEach, after Clear-NetworkProcesses.
function Clear-TestSockets {
    foreach ($item in $script:TestSockets) {
        try { if ($item -is [System.Net.Sockets.TcpListener]) { $item.Stop() } else { $item.Dispose() } } catch { }
    }
    $script:TestSockets.Clear()
}

# A listener, a blocking client process connected to it and the accepted raw peer.
# -Options are passed to New-NetworkProcess (e.g. @{ Filter = {...}; Encoding = 'Byte' }).
function New-TestConnection {
    param(
        [string] $Name = 'test',
        [ValidateSet('IPv4', 'IPv6')] [string] $Family = 'IPv4',
        [hashtable] $Options = @{}
    )
    $listener = New-TestListener -Family $Family
    $address = if ($Family -eq 'IPv6') { '::1' } else { '127.0.0.1' }
    $process = New-NetworkProcess -Name $Name -Host $address -Service $listener.Port @Options -ErrorAction Stop
    $peer = Get-TestPeer -Listener $listener
    [pscustomobject]@{ Listener = $listener; Process = $process; Peer = $peer }
}

# A path for a unix socket in the temp folder, unique per call.
function New-SocketPath { Join-Path ([IO.Path]::GetTempPath()) "netproc-test-$([guid]::NewGuid().ToString('N').Substring(0, 12)).sock" }

# How many sockets this process holds open (from /proc/self/fd): to show a failed call left none behind.
function Get-TestSocketCount {
    @(Get-ChildItem /proc/self/fd | Where-Object LinkTarget -Like 'socket:*').Count
}

# A free loopback port that refuses connections (a listener was bound there and stopped).
function Get-ClosedPort {
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $port
}

# Waits, letting filters and sentinels run, until $Condition holds; $false if the timeout passed first.
function Wait-TestCondition {
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $Timeout = 5)
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while (-not (& $Condition)) {
        if ([datetime]::UtcNow -ge $deadline) { return $false }
        $null = Wait-NetworkProcess -Timeout 0.1
    }
    $true
}

# Receives whole lines (-Line) from a process until $Count came, it closed, or the timeout passed.
function Receive-TestLines {
    param([Parameter(Mandatory)] $Process, [int] $Count = [int]::MaxValue, [double] $Timeout = 5)
    $lines = [System.Collections.Generic.List[string]]::new()
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while ($lines.Count -lt $Count -and [datetime]::UtcNow -lt $deadline) {
        foreach ($line in Receive-NetworkProcess -InputObject $Process -Line -Wait -Timeout 0.2) { $lines.Add($line) }
        if (-not $Process.IsLive) {
            foreach ($line in Receive-NetworkProcess -InputObject $Process -Line) { $lines.Add($line) }
            break
        }
    }
    $lines.ToArray()
}

# Receives byte[] chunks (-AsByteStream) from a process until $Count bytes came, it closed, or the timeout passed.
function Receive-TestBytes {
    param([Parameter(Mandatory)] $Process, [Parameter(Mandatory)] [int] $Count, [double] $Timeout = 5)
    $stream = [System.IO.MemoryStream]::new()
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while ($stream.Length -lt $Count -and [datetime]::UtcNow -lt $deadline) {
        foreach ($chunk in Receive-NetworkProcess -InputObject $Process -AsByteStream -Wait -Timeout 0.2) { $stream.Write($chunk, 0, $chunk.Length) }
        if (-not $Process.IsLive) { break }
    }
    , $stream.ToArray()
}

# True when the raw peer sees the connection closed (end of stream or reset) within the timeout, false when the timeout
# passes first; data before the close is skipped. Any other failure is thrown.
function Test-PeerClosed {
    param([Parameter(Mandatory)] $Socket, [double] $Timeout = 5)
    $Socket.ReceiveTimeout = [int]($Timeout * 1000)
    $buffer = [byte[]]::new(65536)
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    try {
        while ([datetime]::UtcNow -lt $deadline) {
            if ($Socket.Receive($buffer) -eq 0) { return $true }
        }
        $false
    } catch {
        $failure = $_
        $e = $failure.Exception
        while ($e -and $e -isnot [System.Net.Sockets.SocketException]) { $e = $e.InnerException }
        switch ($e.SocketErrorCode) {
            'TimedOut' { return $false }
            { $_ -in 'ConnectionReset', 'ConnectionAborted' } { return $true }
            default { throw $failure }
        }
    }
}

# Resets the connection from the raw peer's side (RST instead of FIN).
function Reset-TestPeer {
    param([Parameter(Mandatory)] $Socket)
    $Socket.LingerState = [System.Net.Sockets.LingerOption]::new($true, 0)
    $Socket.Close()
}

# Starts the raw peer sending $Size seeded random bytes in the background; returns the bytes and the send task.
function Start-TestTransfer {
    param([Parameter(Mandatory)] $Peer, [Parameter(Mandatory)] [int] $Size, [int] $Seed = 1)
    $bytes = New-TestBytes -Size $Size -Seed $Seed
    [pscustomobject]@{ Bytes = $bytes; Sending = $Peer.SendAsync([System.ArraySegment[byte]]::new($bytes), 'None') }
}

# Receives a transfer with Receive -AsByteStream -Wait, running $EachTurn (given the turn number) before each call,
# until every byte came or the timeout passed; returns what came and how many turns it took.
function Receive-TestTransfer {
    param([Parameter(Mandatory)] $Process, [Parameter(Mandatory)] $Transfer, [scriptblock] $EachTurn = {}, [double] $Timeout = 30)
    $stream = [System.IO.MemoryStream]::new()
    $turns = 0
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while ($stream.Length -lt $Transfer.Bytes.Length -and [datetime]::UtcNow -lt $deadline) {
        & $EachTurn (++$turns)
        foreach ($chunk in Receive-NetworkProcess -InputObject $Process -AsByteStream -Wait -Timeout 0.5) {
            $stream.Write($chunk, 0, $chunk.Length)
        }
    }
    [pscustomobject]@{ Bytes = $stream.ToArray(); Turns = $turns }
}

# How many threads of this process NetProc started: client readers ("NetProc client reader") and server accept loops
# ("NetProc server"), read from the names Linux keeps in /proc (15 characters at most).
function Get-NetProcThreadCount {
    @(Get-ChildItem /proc/self/task -Directory | Where-Object {
            (Get-Content -LiteralPath (Join-Path $_.FullName comm) -ErrorAction SilentlyContinue) -like 'NetProc*'
        }).Count
}

# A fresh runspace ([powershell]::Create()) with the module imported; dispose it when done.
function New-TestRunspace {
    $ps = [powershell]::Create()
    $null = $ps.AddScript('Import-Module $env:NETPROC_MODULE -Force').Invoke()
    if ($ps.HadErrors) { throw "import failed in the new runspace: $($ps.Streams.Error | Out-String)" }
    $ps.Commands.Clear()
    $ps
}

# Runs a script in a runspace from New-TestRunspace and returns its output.
function Invoke-InTestRunspace {
    param([Parameter(Mandatory)] $PowerShell, [Parameter(Mandatory)] [string] $Script, [object[]] $ArgumentList = @())
    $PowerShell.Commands.Clear()
    $null = $PowerShell.AddScript($Script)
    foreach ($argument in $ArgumentList) { $null = $PowerShell.AddArgument($argument) }
    $PowerShell.Invoke()
}

# Starts reading everything from a raw peer in the background; .Result (after .Wait) tells what came and how it ended.
function Start-TestDrain {
    param([Parameter(Mandatory)] $Socket, [double] $Timeout = 10, [double] $StartDelay = 0)
    [NetProcTestPeer]::DrainAsync($Socket, [int]($Timeout * 1000), [int]($StartDelay * 1000))
}

# Waits for a drain from Start-TestDrain and returns it (Bytes, Length, End = Fin, Reset or Timeout).
function Wait-TestDrain {
    param([Parameter(Mandatory)] $Drain, [double] $Timeout = 20)
    if (-not $Drain.Wait([timespan]::FromSeconds($Timeout))) { throw "the peer did not finish reading within $Timeout s" }
    $Drain.Result
}

# Seeded random bytes.
function New-TestBytes {
    param([Parameter(Mandatory)] [int] $Size, [int] $Seed = 1)
    $bytes = [byte[]]::new($Size)
    [System.Random]::new($Seed).NextBytes($bytes)
    , $bytes
}

# A pty pair joined by socat (what a serial cable between two ports would be), in a fresh temporary folder: .A and .B
# are the two link paths, .Socat the process. Remove it with Remove-TestPtyPair.
function New-TestPtyPair {
    param([double] $Timeout = 5)
    $folder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "netproc-pty-$([guid]::NewGuid().ToString('N').Substring(0, 12))")
    $a = Join-Path $folder 'A'
    $b = Join-Path $folder 'B'
    $socat = Start-Process socat -ArgumentList "pty,raw,echo=0,link=$a", "pty,raw,echo=0,link=$b" -PassThru -RedirectStandardError (Join-Path $folder 'socat.log')
    $pair = [pscustomobject]@{ A = $a; B = $b; Socat = $socat; Folder = $folder.FullName }
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while (-not ((Test-Path $a) -and (Test-Path $b))) {
        if ($socat.HasExited -or [datetime]::UtcNow -ge $deadline) {
            Remove-TestPtyPair $pair
            throw "socat made no pty pair within $Timeout s: $(Get-Content (Join-Path $folder 'socat.log') -Raw)"
        }
        Start-Sleep -Milliseconds 20
    }
    $pair
}

# Stops what an example or the README tour started and could not stop because it failed half-way: a socat left
# running keeps the test run's output pipe open, and its pty links would send the next run to the wrong pty.
function Stop-TestChildSocat {
    Get-Process socat -ErrorAction Ignore | Where-Object { $_.Parent.Id -eq $PID } | ForEach-Object { $_.Kill(); $null = $_.WaitForExit(5000) }
}

# Ends a pair's socat (so both ptys hang up, as an unplugged adapter does) and deletes its folder.
function Remove-TestPtyPair {
    param([Parameter(Mandatory)] $Pair, [double] $Timeout = 5)
    if (-not $Pair.Socat.HasExited) {
        $Pair.Socat.Kill()
        $null = $Pair.Socat.WaitForExit([int]($Timeout * 1000))
    }
    Remove-Item $Pair.Folder -Recurse -Force -ErrorAction SilentlyContinue
}

# TLS: a throwaway CA and certificates it issued, made fresh by each test file (no private key is ever committed).
# Returns .Ca, .Server (localhost and 127.0.0.1), .Client (client authentication), .Expired, .OtherName (for
# other.example), .SelfSigned (localhost, issued by nobody), .Folder with PEM files for openssl (ca.pem, server.pem and
# server.key, client.pem and client.key); remove it with Remove-TestCertificates.
function New-TestCertificates {
    $rsa = { [System.Security.Cryptography.RSA]::Create(2048) }
    $now = [datetimeoffset]::UtcNow
    $caKey = & $rsa
    $caRequest = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=NetProc Test CA', $caKey, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
    $caRequest.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509KeyUsageExtension]::new('KeyCertSign, CrlSign', $true))
    $ca = $caRequest.CreateSelfSigned($now.AddDays(-60), $now.AddDays(60))

    $issue = {
        param([string] $Subject, [string[]] $Names, [string] $Usage, [datetimeoffset] $From, [datetimeoffset] $To, $Issuer)
        $key = & $rsa
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Subject", $key, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $san = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        foreach ($name in $Names) {
            $ip = $null
            if ([ipaddress]::TryParse($name, [ref]$ip)) { $san.AddIpAddress($ip) } else { $san.AddDnsName($name) }
        }
        $request.CertificateExtensions.Add($san.Build())
        $oids = [System.Security.Cryptography.OidCollection]::new()
        $null = $oids.Add([System.Security.Cryptography.Oid]::new($(if ($Usage -eq 'Client') { '1.3.6.1.5.5.7.3.2' } else { '1.3.6.1.5.5.7.3.1' })))
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($oids, $false))
        if (-not $Issuer) { return $request.CreateSelfSigned($From, $To) }
        $serial = [byte[]]::new(8)
        [System.Random]::Shared.NextBytes($serial)
        $signed = $request.Create($Issuer, $From, $To, $serial)
        [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::CopyWithPrivateKey($signed, $key)
    }
    $set = [pscustomobject]@{
        Ca         = $ca
        Server     = & $issue 'localhost' @('localhost', '127.0.0.1', '::1') 'Server' $now.AddDays(-1) $now.AddDays(30) $ca
        Client     = & $issue 'netproc-client' @('netproc-client') 'Client' $now.AddDays(-1) $now.AddDays(30) $ca
        Expired    = & $issue 'localhost' @('localhost', '127.0.0.1') 'Server' $now.AddDays(-20) $now.AddDays(-10) $ca
        OtherName  = & $issue 'other.example' @('other.example') 'Server' $now.AddDays(-1) $now.AddDays(30) $ca
        SelfSigned = & $issue 'localhost' @('localhost', '127.0.0.1') 'Server' $now.AddDays(-1) $now.AddDays(30) $null
        Folder     = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "netproc-tls-$([guid]::NewGuid().ToString('N').Substring(0, 12))")).FullName
    }
    $pem = { param($Certificate) $Certificate.ExportCertificatePem() }
    Set-Content (Join-Path $set.Folder ca.pem) (& $pem $ca)
    foreach ($name in 'Server', 'Client') {
        $certificate = $set.$name
        Set-Content (Join-Path $set.Folder "$($name.ToLower()).pem") (& $pem $certificate)
        Set-Content (Join-Path $set.Folder "$($name.ToLower()).key") ([System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($certificate).ExportPkcs8PrivateKeyPem())
    }
    $set
}

function Remove-TestCertificates {
    param([Parameter(Mandatory)] $Set)
    Remove-Item $Set.Folder -Recurse -Force -ErrorAction SilentlyContinue
}

# .NET SslStream peers (NetProcTlsPeer), compiled once per session when a test file needs them.
function Import-TestTlsPeers {
    if (-not ('NetProcTlsPeer' -as [type])) { Add-Type -Path (Join-Path $PSScriptRoot 'TlsPeers.cs') }
}

# Starts `openssl s_server` for one client on a free loopback port with the test server certificate, answering each
# line with the line reversed (-rev); -Arguments adds options (-tls1_2, -Verify 1 -CAfile ..., -alpn h2). Returns .Port,
# .Process and .Output (the file its output goes to). Stop it with Stop-TestOpenSsl.
function Start-TestOpenSslServer {
    param([Parameter(Mandatory)] $Certificates, [string[]] $Arguments = @(), [double] $Timeout = 10)
    $port = Get-ClosedPort
    $output = Join-Path $Certificates.Folder "s_server-$port.log"
    $all = @('s_server', '-accept', "127.0.0.1:$port", '-cert', (Join-Path $Certificates.Folder server.pem), '-key', (Join-Path $Certificates.Folder server.key), '-naccept', '1', '-rev') + $Arguments
    $process = Start-Process openssl -ArgumentList $all -PassThru -RedirectStandardOutput $output -RedirectStandardError "$output.err"
    $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
    while (-not (Select-String -Path $output -Pattern '^ACCEPT' -Quiet -ErrorAction SilentlyContinue)) {
        if ($process.HasExited -or [datetime]::UtcNow -ge $deadline) { throw "openssl s_server did not start: $(Get-Content "$output.err" -Raw)" }
        Start-Sleep -Milliseconds 20
    }
    [pscustomobject]@{ Port = $port; Process = $process; Output = $output }
}

function Stop-TestOpenSsl {
    param([Parameter(Mandatory)] $Server)
    if (-not $Server.Process.HasExited) { $Server.Process.Kill(); $null = $Server.Process.WaitForExit(5000) }
}
