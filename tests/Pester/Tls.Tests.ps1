BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-TestTlsPeers
    $script:certs = New-TestCertificates
    $script:caFile = Join-Path $certs.Folder ca.pem
    # A PEM file holding the client's certificate and its key, as -Certificate takes it.
    $script:clientPem = Join-Path $certs.Folder client-with-key.pem
    Get-Content (Join-Path $certs.Folder client.pem), (Join-Path $certs.Folder client.key) | Set-Content $clientPem
    $script:peers = [System.Collections.Generic.List[object]]::new()

    # After each test: nothing listed, no socket of its own left, its .NET peers closed.
    function Reset-TlsTest {
        Clear-NetworkProcesses
        Clear-TestSockets
        foreach ($peer in $script:peers) { $peer.Dispose() }
        $script:peers.Clear()
    }

    # SMTP's dialogue, as a mail client gives it to Emacs's open-network-stream.
    $script:smtpDialogue = @{
        EndOfCommand      = '^[0-9]{3} .*\r\n'
        CapabilityCommand = "EHLO me`r`n"
        StartTlsCommand   = "STARTTLS`r`n"
        Success           = '^2'
        TlsServerName     = 'localhost'
        Timeout           = 5
    }

    # A .NET SslStream server (echo, or a payload it sends and closes), closed in AfterEach.
    function Start-TlsPeer {
        param($Certificate = $certs.Server, [System.Security.Authentication.SslProtocols] $Protocols = 'None', [string[]] $Alpn, $ClientCa, [byte[]] $Payload, [int] $SplitPauseMs)
        $peer = [NetProcTlsPeer]::StartServer($Certificate, $Protocols, $Alpn, $ClientCa, $Payload, $SplitPauseMs)
        $script:peers.Add($peer)
        $peer
    }

    # A plain server that greets each client with $Greeting, then listens; closed in AfterEach.
    function Start-PlainGreeter([string] $Greeting) {
        $peer = [NetProcPlainGreeter]::new($Greeting)
        $script:peers.Add($peer)
        $peer
    }

    # Runs New-NetworkProcess -Tls with $Options (-Timeout 5 unless given), expecting it to fail: returns the ErrorRecord.
    # Nothing may be listed after, nor any socket left but the $PeerSockets the peer keeps in this process.
    function Get-TlsFailure([hashtable] $Options, [int] $PeerSockets = 0) {
        $sockets = Get-TestSocketCount
        $err = $null
        $all = @{ Timeout = 5 }
        foreach ($key in $Options.Keys) { $all[$key] = $Options[$key] }
        $null = New-NetworkProcess tls -Tls -Host 127.0.0.1 @all -ErrorVariable err -ErrorAction SilentlyContinue
        @(Get-NetworkProcess).Count | Should -Be 0 -Because 'a failed handshake lists nothing'
        Wait-TestCondition { (Get-TestSocketCount) -le $sockets + $PeerSockets } -Timeout 2 | Should -BeTrue -Because 'a failed handshake leaves no socket'
        $err | Should -HaveCount 1
        $err[0]
    }
}

AfterAll {
    Remove-TestCertificates $script:certs
}

Describe 'TLS clients' {
    AfterEach { Reset-TlsTest }

    It 'talks to openssl s_server, trusting its CA from a file: data both ways, Security Tls, Tls info, "tls" in the table' {
        $server = Start-TestOpenSslServer -Certificates $certs
        try {
            $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $server.Port -CertificateAuthority $caFile -Timeout 5
            $p.Status | Should -Be Open
            $p.Security | Should -Be Tls
            $p.Tls.Protocol | Should -Be Tls13
            $p.Tls.ServerName | Should -Be 127.0.0.1
            $p.Tls.RemoteCertificate.Thumbprint | Should -Be $certs.Server.Thumbprint
            Send-NetworkProcess $p "hello`n"
            Receive-TestLines -Process $p -Count 1 | Should -Be 'olleh'
            (Get-NetworkProcess | Out-String -Width 80) | Should -Match "web\s+Open\s+0 tls 127\.0\.0\.1:$($server.Port)"
            ($p | Format-List | Out-String -Width 120) | Should -Match 'Tls\s+: Tls13 TLS_\w+, CN=localhost'
        } finally { Stop-TestOpenSsl $server }
    }

    It 'Open-NetworkStream -Type Tls checks the name given with -TlsServerName against a .NET SslStream server' {
        $peer = Start-TlsPeer
        $p = Open-NetworkStream web $null 127.0.0.1 $peer.Port -Type Tls -TlsServerName localhost -CertificateAuthority $certs.Ca -Timeout 5
        $p.Tls.ServerName | Should -Be localhost
        Send-NetworkProcess $p "ping`n"
        Receive-TestLines -Process $p -Count 1 | Should -Be 'ping'
        $p.Security | Should -Be Tls
        (Open-NetworkStream plain $null 127.0.0.1 $peer.Port -Timeout 5).Security | Should -Be Plain
    }

    It 'fails with <Id> when <Case>, naming the reason, listing nothing' -TestCases @(
        @{ Case = 'the root is not trusted'; Id = 'TlsUntrustedCertificate'; Certificate = 'Server'; Options = @{}; Says = 'not trusted' }
        @{ Case = 'the certificate is for another name'; Id = 'TlsNameMismatch'; Certificate = 'OtherName'; Options = @{ CertificateAuthority = 'ca' }; Says = 'other\.example' }
        @{ Case = 'the certificate has expired'; Id = 'TlsCertificateExpired'; Certificate = 'Expired'; Options = @{ CertificateAuthority = 'ca' }; Says = 'expired on' }
        @{ Case = 'the pinned thumbprint differs'; Id = 'TlsThumbprintMismatch'; Certificate = 'Server'; Options = @{ CertificateAuthority = 'ca'; ServerCertificateThumbprint = ('AB' * 20) }; Says = 'pinned' }
    ) {
        $peer = Start-TlsPeer -Certificate $certs.$Certificate
        if ($Options.CertificateAuthority) { $Options.CertificateAuthority = $certs.Ca }
        $failure = Get-TlsFailure (@{ Service = $peer.Port } + $Options)
        $failure.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $failure.CategoryInfo.Category | Should -Be SecurityError
        "$failure" | Should -Match $Says
    }

    It 'fails with TlsProtocolMismatch when the server allows only TLS 1.2 and -SslProtocol only 1.3' {
        $server = Start-TestOpenSslServer -Certificates $certs -Arguments '-tls1_2'
        try {
            $failure = Get-TlsFailure @{ Service = $server.Port; CertificateAuthority = $caFile; SslProtocol = 'Tls13' }
            $failure.FullyQualifiedErrorId | Should -BeLike 'TlsProtocolMismatch,*'
            "$failure" | Should -Match '-SslProtocol'
        } finally { Stop-TestOpenSsl $server }
    }

    It 'fails with TlsNotSpoken against a plain server that greets in text' {
        $peer = Start-PlainGreeter "220 mail.example ESMTP ready`r`n"
        $failure = Get-TlsFailure @{ Service = $peer.Port } -PeerSockets 1
        $failure.FullyQualifiedErrorId | Should -BeLike 'TlsNotSpoken,*'
        "$failure" | Should -Match 'does not speak TLS'
    }

    It 'ends a handshake with a silent plain server by -Timeout (TlsHandshakeTimeout)' {
        $listener = New-TestListener
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $failure = Get-TlsFailure @{ Service = $listener.Port; Timeout = 0.5 }
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
        $failure.FullyQualifiedErrorId | Should -BeLike 'TlsHandshakeTimeout,*'
        $failure.CategoryInfo.Category | Should -Be OperationTimeout
    }

    It 'Ctrl+C ends a handshake with a silent plain server that has no -Timeout, leaving nothing' {
        $listener = New-TestListener
        $ps = New-TestRunspace
        try {
            $null = $ps.AddScript('param($port) New-NetworkProcess -Name tls -Tls -Host 127.0.0.1 -Service $port -TlsServerName localhost').AddArgument($listener.Port)
            $null = $ps.BeginInvoke()
            $peer = $null
            Wait-TestCondition { $listener.Pending() } | Should -BeTrue -Because 'the client connected and waits in its handshake'
            $peer = $listener.AcceptSocket()
            $script:TestSockets.Add($peer)
            # The client's greeting arrives, and nobody answers it.
            Wait-TestCondition { $peer.Available -gt 0 } | Should -BeTrue
            $stopping = $ps.BeginStop($null, $null)
            $stopping.AsyncWaitHandle.WaitOne(2000) | Should -BeTrue -Because 'Ctrl+C ends the handshake at once'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            @(Invoke-InTestRunspace $ps 'Get-NetworkProcess').Count | Should -Be 0
            # The handshake's socket was closed: the peer reads the greeting, then the end.
            $peer.ReceiveTimeout = 2000
            $buffer = [byte[]]::new(4096)
            $ends = $false
            for ($i = 0; $i -lt 20 -and -not $ends; $i++) { $ends = $peer.Receive($buffer) -eq 0 }
            $ends | Should -BeTrue
        }
        finally {
            # A runspace that did not stop would hang its disposal: it is left to the process's end, the test failed.
            if ($ps.InvocationStateInfo.State -in 'Stopped', 'Completed', 'Failed') { $ps.Dispose() }
        }
    }

    It 'with -NoWait is Connect until the handshake ends, then Failed, the sentinel saying why; nothing was sent' {
        $peer = Start-TlsPeer -Certificate $certs.SelfSigned
        $messages = [System.Collections.Generic.List[string]]::new()
        $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $peer.Port -NoWait -Sentinel { param($Process, $Message) $messages.Add($Message) }
        $p.Status | Should -Be Connect
        Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
        $messages | Should -Be @("failed with code TlsUntrustedCertificate`n")
        $p.Status | Should -Be Failed
        $p.LastError.Message | Should -Match 'not trusted'
        $p.BytesSent | Should -Be 0
        { Send-NetworkProcess $p 'secret' -ErrorAction Stop } | Should -Throw -ErrorId 'ProcessNotRunning*'
    }

    It 'accepts a self-signed server pinned by thumbprint (SHA-1 or SHA-256), without any CA' -TestCases @(
        @{ Hash = 'SHA1' }
        @{ Hash = 'SHA256' }
    ) {
        $peer = Start-TlsPeer -Certificate $certs.SelfSigned
        $pin = if ($Hash -eq 'SHA1') { $certs.SelfSigned.Thumbprint } else { ($certs.SelfSigned.GetCertHashString('SHA256') -split '(..)' -ne '') -join ':' }
        $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $peer.Port -ServerCertificateThumbprint $pin -Timeout 5
        $p.Status | Should -Be Open
    }

    It '-SkipCertificateCheck accepts any certificate and warns once per session' {
        $peer = Start-TlsPeer -Certificate $certs.Expired
        $session = New-TestRunspace
        try {
            $out = Invoke-InTestRunspace $session '
                param($Port)
                (New-NetworkProcess one -Tls -Host 127.0.0.1 -Service $Port -SkipCertificateCheck -Timeout 5 3>&1)
                (New-NetworkProcess two -Tls -Host 127.0.0.1 -Service $Port -SkipCertificateCheck -Timeout 5 3>&1)
                Get-NetworkProcess | Remove-NetworkProcess' -ArgumentList $peer.Port
            $warnings = @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            $warnings | Should -HaveCount 1
            "$($warnings[0])" | Should -Match 'read and change'
            @($out | Where-Object { $_ -is [NetProc.Engine.StreamProcess] }).Count | Should -Be 2
        } finally { $session.Dispose() }
    }

    It 'shows a client certificate (a PEM file with its key) to openssl s_server that requires one' {
        $server = Start-TestOpenSslServer -Certificates $certs -Arguments '-Verify', '1', '-CAfile', $caFile
        try {
            $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $server.Port -CertificateAuthority $caFile -Certificate $clientPem -Timeout 5
            Send-NetworkProcess $p "abc`n"
            Receive-TestLines -Process $p -Count 1 | Should -Be 'cba'
            (Get-Content $server.Output, "$($server.Output).err" -Raw) -join '' | Should -Match 'netproc-client'
        } finally { Stop-TestOpenSsl $server }
    }

    It 'restricts the version with -SslProtocol <Version>' -TestCases @(
        @{ Version = 'Tls12' }
        @{ Version = 'Tls13' }
    ) {
        $server = Start-TestOpenSslServer -Certificates $certs
        try {
            $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $server.Port -CertificateAuthority $caFile -SslProtocol $Version -Timeout 5
            $p.Tls.Protocol | Should -Be $Version
        } finally { Stop-TestOpenSsl $server }
    }

    It 'negotiates ALPN with -ApplicationProtocol' {
        $server = Start-TestOpenSslServer -Certificates $certs -Arguments '-alpn', 'imap,h2'
        try {
            $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $server.Port -CertificateAuthority $caFile -ApplicationProtocol h2, http/1.1 -Timeout 5
            $p.Tls.ApplicationProtocol | Should -Be h2
        } finally { Stop-TestOpenSsl $server }
    }

    It 'refuses TLS parameters without TLS, and unusable certificates, with stable ErrorIds' {
        { New-NetworkProcess web -Service 1 -SkipCertificateCheck -ErrorAction Stop } | Should -Throw -ErrorId 'IncompatibleParameters*'
        { Open-NetworkStream web $null 127.0.0.1 1 -Type Plain -SslProtocol Tls13 -ErrorAction Stop } | Should -Throw -ErrorId 'IncompatibleParameters*'
        { Open-NetworkStream web $null 127.0.0.1 1 -Type StartTls -EndOfCommand '^\d{3} ' -ErrorAction Stop } | Should -Throw -ErrorId 'IncompatibleParameters*'
        { Open-NetworkStream web $null 127.0.0.1 1 -EndOfCommand '^\d{3} ' -NoWait -ErrorAction Stop } | Should -Throw -ErrorId 'IncompatibleParameters*'
        { New-NetworkProcess web -SocketType Datagram -Service 1 -Tls -ErrorAction Stop } | Should -Throw -ErrorId 'IncompatibleParameters*'
        { New-NetworkProcess web -SocketType SeqPacket -Family Local -Service (New-SocketPath) -Tls -ErrorAction Stop } | Should -Throw -ErrorId 'IncompatibleParameters*'
        { New-NetworkProcess web -Service 1 -Tls -Certificate /nonexistent/client.pfx -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCertificate*'
        { New-NetworkProcess web -Service 1 -Tls -ServerCertificateThumbprint 'xyz' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidCertificate*'
        { New-NetworkProcess web -Server -Service 0 -Certificate ([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($certs.Server.RawData)) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCertificate*'
        @(Get-NetworkProcess).Count | Should -Be 0
    }

    It 'relies on what .NET SslStream does: a read whose stream throws in the middle of a record leaves that record begun for the next read' {
        # TlsTransport.PullNow stops an SslStream read that would wait by throwing from the stream under it.
        $payload = New-TestBytes -Size 40000 -Seed 5
        $result = [NetProcSslStreamContract]::ReadAfterStreamThrew($certs.Server, $certs.Ca, $payload, 8000)
        $result.Item2.Message | Should -Be 'the gate is shut'
        [System.Linq.Enumerable]::SequenceEqual($result.Item1, $payload) | Should -BeTrue
    }

    It 'receives records that arrive in halves, a pause apart, whole and in order' {
        # Over loopback a sender's record arrives whole; a network cuts records into segments. Waiting for a TLS client,
        # the pipeline thread reads the records that arrived whole itself: a record begun must wait for its rest there.
        $bytes = New-TestBytes -Size 2MB -Seed 11
        $peer = Start-TlsPeer -Payload $bytes -SplitPauseMs 1
        $p = New-NetworkProcess halves -Tls -Host 127.0.0.1 -Service $peer.Port -CertificateAuthority $certs.Ca -Encoding Byte -Timeout 5
        $got = Receive-TestTransfer -Process $p -Transfer ([pscustomobject]@{ Bytes = $bytes })
        $got.Bytes.Length | Should -Be $bytes.Length
        [System.Linq.Enumerable]::SequenceEqual($got.Bytes, $bytes) | Should -BeTrue
        $peer.Errors | Should -BeNullOrEmpty
    }

    It 'receives 16 MiB in order through TLS, suspended and resumed in the middle' {
        $bytes = New-TestBytes -Size 16MB -Seed 7
        $peer = Start-TlsPeer -Payload $bytes
        $p = New-NetworkProcess bulk -Tls -Host 127.0.0.1 -Service $peer.Port -CertificateAuthority $certs.Ca -Encoding Byte -Timeout 5
        $transfer = [pscustomobject]@{ Bytes = $bytes }
        $got = Receive-TestTransfer -Process $p -Transfer $transfer -EachTurn {
            param($Turn)
            if ($Turn -eq 3) { Suspend-NetworkProcess $p }
            if ($Turn -eq 4) { $p.BufferedBytes | Should -BeLessOrEqual (1MB + 80KB) -Because 'a suspended process reads no further than its window' }
            if ($Turn -eq 5) { Resume-NetworkProcess $p }
        }
        $got.Bytes.Length | Should -Be $bytes.Length
        [System.Linq.Enumerable]::SequenceEqual($got.Bytes, $bytes) | Should -BeTrue
    }

    It 'closes TLS clients in the middle of transfers, again and again (end of output, graceful and -Abort removal): each ends at once, its reader thread too' {
        # Each close meets the reader thread inside its SslStream, decrypting: OpenSSL takes one call at a time on a
        # session, and the end of output (close_notify), a write or the disposal beside a read corrupted its memory and
        # crashed the whole process, within a few dozen rounds. Nor may a read wait there for good.
        $bytes = New-TestBytes -Size 16MB -Seed 5
        $peer = Start-TlsPeer -Payload $bytes
        $threads = Get-NetProcThreadCount
        foreach ($i in 1..200) {
            $script:cutGot = 0
            $p = New-NetworkProcess "cut$i" -Tls -Host 127.0.0.1 -Service $peer.Port -CertificateAuthority $certs.Ca -Encoding Byte -Timeout 5 -Filter { param($proc, $data) $script:cutGot += $data.Length }
            $want = 256KB * (1 + $i % 8)
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while ($script:cutGot -lt $want -and [datetime]::UtcNow -lt $deadline) { $null = Wait-NetworkProcess -Timeout 0.01 }
            $script:cutGot | Should -BeGreaterOrEqual $want
            if ($i % 3) { Send-NetworkProcess $p -Eof }
            Remove-NetworkProcess $p -Abort:($i % 3 -eq 0)
            $p.Status | Should -BeIn Closed, Failed
        }
        Get-NetworkProcess | Should -BeNullOrEmpty
        Wait-TestCondition { (Get-NetProcThreadCount) -le $threads } -Timeout 5 | Should -BeTrue -Because 'every reader thread ends with its process'
    }
}

Describe 'TLS servers' {
    AfterEach { Reset-TlsTest }

    It 'serves openssl s_client with a PEM certificate file: the connection is listed as Tls after its handshake' {
        $pem = Join-Path $certs.Folder server-with-key.pem
        Get-Content (Join-Path $certs.Folder server.pem), (Join-Path $certs.Folder server.key) | Set-Content $pem
        $srv = New-NetworkProcess srv -Server -Service 0 -Certificate $pem -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data.ToUpper() }
        $srv.Security | Should -Be Tls
        $out = Join-Path $certs.Folder s_client.log
        Set-Content (Join-Path $certs.Folder hello.txt) 'hello'
        $client = Start-Process openssl -ArgumentList 's_client', '-connect', "127.0.0.1:$($srv.Service)", '-CAfile', $caFile, '-servername', 'localhost', '-quiet', '-verify_return_error' -PassThru -RedirectStandardOutput $out -RedirectStandardInput (Join-Path $certs.Folder hello.txt) -RedirectStandardError "$out.err" -ErrorAction Stop
        try {
            Wait-TestCondition { (Get-Content $out -Raw -ErrorAction SilentlyContinue) -match 'HELLO' } | Should -BeTrue -Because (Get-Content "$out.err" -Raw)
            $connection = Get-NetworkProcess -Name 'srv <*>'
            $connection.Security | Should -Be Tls
            $connection.Tls.Protocol | Should -Be Tls13
        } finally { if (-not $client.HasExited) { $client.Kill() } }
    }

    It 'echoes 100 lines to each of 50 concurrent .NET SslStream clients' {
        $srv = New-NetworkProcess srv -Server -Service 0 -Certificate $certs.Server -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
        $echo = [NetProcTlsPeer]::EchoLinesAsync($srv.Service, $certs.Ca, 50, 100, 20000)
        Wait-TestCondition { $echo.IsCompleted } -Timeout 60 | Should -BeTrue
        $echo.Result | Should -Be 5000
    }

    It 'logs a client that does not speak TLS, and goes on serving others' {
        $log = [System.Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess srv -Server -Service 0 -Certificate $certs.Server -Log { param($Server, $Connection, $Message) $log.Add($Message) } -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
        $bad = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $srv.Service)
        $script:TestSockets.Add($bad)
        $null = $bad.Client.Send([Text.Encoding]::ASCII.GetBytes("GET / HTTP/1.0`r`n`r`n"))
        Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
        $log[0] | Should -Be "accept from 127.0.0.1 failed with code TlsNotSpoken`n"
        $srv.LastError.Message | Should -Match 'does not speak TLS'
        $srv.Status | Should -Be Listen
        @(Get-NetworkProcess -Name 'srv <*>').Count | Should -Be 0

        $good = [NetProcTlsPeer]::EchoLinesAsync($srv.Service, $certs.Ca, 1, 3, 5000)
        Wait-TestCondition { $good.IsCompleted } | Should -BeTrue
        $good.Result | Should -Be 3
        $log[-1] | Should -Be "accept from 127.0.0.1`n"
    }

    It 'gives up on a silent client after its -Timeout, without holding up other accepts' {
        $log = [System.Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess srv -Server -Service 0 -Certificate $certs.Server -Timeout 0.5 -Log { param($Server, $Connection, $Message) $log.Add($Message) } -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
        $silent = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $srv.Service)
        $script:TestSockets.Add($silent)
        $good = [NetProcTlsPeer]::EchoLinesAsync($srv.Service, $certs.Ca, 1, 1, 5000)
        Wait-TestCondition { $good.IsCompleted -and $log.Count -ge 2 } | Should -BeTrue
        $good.Result | Should -Be 1
        $log | Should -Contain "accept from 127.0.0.1 failed with code TlsHandshakeTimeout`n"
    }

    It 'with -RequireClientCertificate admits a client with a trusted certificate and refuses one without' {
        $log = [System.Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess srv -Server -Service 0 -Certificate $certs.Server -RequireClientCertificate -CertificateAuthority $certs.Ca -Log { param($Server, $Connection, $Message) $log.Add($Message) }
        $client = [NetProcTlsPeer]::Connect($srv.Service, $certs.Ca, 'localhost', $certs.Client, 5000)
        $script:TestSockets.Add($client)
        Wait-TestCondition { @(Get-NetworkProcess -Name 'srv <*>').Count -eq 1 } | Should -BeTrue
        (Get-NetworkProcess -Name 'srv <*>').Tls.RemoteCertificate.Thumbprint | Should -Be $certs.Client.Thumbprint

        $without = New-NetworkProcess plain -Tls -Host 127.0.0.1 -Service $srv.Service -CertificateAuthority $certs.Ca -SslProtocol Tls12 -Timeout 5 -ErrorAction SilentlyContinue
        Wait-TestCondition { $log.Count -ge 2 } | Should -BeTrue
        $log[-1] | Should -Be "accept from 127.0.0.1 failed with code TlsCertificateRejected`n"
        @(Get-NetworkProcess -Name 'srv <*>').Count | Should -Be 1
        $null = $without
    }
}

Describe 'Protect-NetworkProcess: TLS in place after STARTTLS' {
    AfterEach { Reset-TlsTest }

    It 'upgrades a plain client with a filter and a sentinel: same name and callbacks, lines before and after in order' {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $true, "250 private hello`r`n")
        $script:peers.Add($peer)
        $lines = [System.Collections.Generic.List[string]]::new()
        $messages = [System.Collections.Generic.List[string]]::new()
        $p = New-NetworkProcess mail -Host 127.0.0.1 -Service $peer.Port -Timeout 5 -Filter { param($Process, $Data) $lines.Add($Data) } -Sentinel { param($Process, $Message) $messages.Add($Message) }
        Wait-TestCondition { ($lines -join '') -match 'ready' } | Should -BeTrue
        Send-NetworkProcess $p "STARTTLS`r`n"
        Wait-TestCondition { ($lines -join '') -match 'Ready to start TLS' } | Should -BeTrue
        Protect-NetworkProcess mail -CertificateAuthority $certs.Ca -TlsServerName localhost -Timeout 5 -PassThru | Should -Be $p
        $p.Security | Should -Be Tls
        $p.Name | Should -Be mail
        Send-NetworkProcess $p "EHLO me`r`n"
        Wait-TestCondition { ($lines -join '') -match '250 HELP' } | Should -BeTrue
        ($lines -join '') -split "`r`n" -ne '' | Should -Be @(
            '220 mail.test ESMTP ready', '220 2.0.0 Ready to start TLS', '250 private hello', '250-mail.test greets you', '250-SIZE 1000000', '250 HELP')
        @($peer.Heard) | Should -Be @('STARTTLS', '[tls] EHLO me')
        $messages | Should -BeNullOrEmpty
        (Get-NetworkProcess mail).Tls.RemoteCertificate.Thumbprint | Should -Be $certs.Server.Thumbprint
    }

    It 'keeps unread plain input ahead of what came through TLS' {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $true, "250 private hello`r`n")
        $script:peers.Add($peer)
        $p = New-NetworkProcess mail -Host 127.0.0.1 -Service $peer.Port -Timeout 5
        Wait-TestCondition { $p.BufferedBytes -gt 0 } | Should -BeTrue
        Send-NetworkProcess $p "STARTTLS`r`n"
        Wait-TestCondition { $p.BufferedBytes -ge "220 mail.test ESMTP ready`r`n220 2.0.0 Ready to start TLS`r`n".Length } | Should -BeTrue
        Protect-NetworkProcess -InputObject $p -CertificateAuthority $certs.Ca -TlsServerName localhost -Timeout 5
        Receive-TestLines -Process $p -Count 3 | Should -Be @('220 mail.test ESMTP ready', '220 2.0.0 Ready to start TLS', '250 private hello')
    }

    It 'closes the connection when the upgrade fails: an error naming the reason, Failed, the sentinel saying why' {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $true, $null)
        $script:peers.Add($peer)
        $messages = [System.Collections.Generic.List[string]]::new()
        $p = New-NetworkProcess mail -Host 127.0.0.1 -Service $peer.Port -Timeout 5 -Sentinel { param($Process, $Message) $messages.Add($Message) }
        Wait-TestCondition { $p.BufferedBytes -gt 0 } | Should -BeTrue
        Send-NetworkProcess $p "STARTTLS`r`n"
        Wait-TestCondition { $p.BufferedBytes -gt 30 } | Should -BeTrue
        { Protect-NetworkProcess mail -Timeout 5 -ErrorAction Stop } | Should -Throw -ErrorId 'TlsUntrustedCertificate*'
        Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
        $messages | Should -Be @("failed with code TlsUntrustedCertificate`n")
        $p.Status | Should -Be Failed
        { Protect-NetworkProcess mail -ErrorAction Stop } | Should -Throw -ErrorId 'ProcessNotRunning*'
    }

    It 'refuses a process that speaks TLS already, or is not a stream client' {
        $tlsPeer = Start-TlsPeer
        $null = New-NetworkProcess secure -Tls -Host 127.0.0.1 -Service $tlsPeer.Port -CertificateAuthority $certs.Ca -Timeout 5
        { Protect-NetworkProcess secure -ErrorAction Stop } | Should -Throw -ErrorId 'ProcessNotRunning*'
        $null = New-NetworkProcess dgram -SocketType Datagram -Server -Service 0
        { Protect-NetworkProcess dgram -ErrorAction Stop } | Should -Throw -ErrorId 'ProcessNotRunning*'
        $path = New-SocketPath
        $null = New-NetworkProcess packets -Server -Family Local -Service $path -SocketType SeqPacket
        $packets = New-NetworkProcess packet -Family Local -Service $path -SocketType SeqPacket
        { Protect-NetworkProcess packet -SkipCertificateCheck -Timeout 5 -ErrorAction Stop } | Should -Throw -ErrorId 'ProcessNotRunning*'
        $packets.Status | Should -Be Open
    }
}

Describe 'Open-NetworkStream: greeting, capabilities and STARTTLS (open-network-stream)' {
    AfterEach { Reset-TlsTest }

    BeforeAll {
        $script:smtp = $smtpDialogue
    }

    It '-Type <Type> reads the greeting, the capabilities, starts TLS, and asks for the capabilities again' -TestCases @(
        @{ Type = 'StartTls' }
        @{ Type = 'Network' }
    ) {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $true, $null)
        $script:peers.Add($peer)
        $p = Open-NetworkStream mail $null 127.0.0.1 $peer.Port -Type $Type @smtp -CertificateAuthority $certs.Ca
        $p.Security | Should -Be Tls
        $p.Greeting | Should -Be "220 mail.test ESMTP ready`r`n"
        $p.Capabilities | Should -Match '^250-mail\.test greets you\r\n(.|\n)*250 HELP\r\n$'
        $p.Capabilities | Should -Not -Match 'STARTTLS' -Because 'the capabilities are the ones asked through TLS'
        @($peer.Heard) | Should -Be @('EHLO me', 'STARTTLS', '[tls] EHLO me')
        Send-NetworkProcess $p "NOOP`r`n"
        Receive-TestLines -Process $p -Count 1 | Should -Be '250 ok: NOOP'
    }

    It 'takes ScriptBlocks: the capability command given the greeting, the STARTTLS command given the capabilities' {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $true, $null)
        $script:peers.Add($peer)
        $options = $smtp.Clone()
        $options.CapabilityCommand = { param($Greeting) if ($Greeting -match 'ESMTP') { "EHLO scripted`r`n" } else { "HELO scripted`r`n" } }
        $options.StartTlsCommand = { param($Capabilities) if ($Capabilities -match '(?m)^250[- ]STARTTLS') { "STARTTLS`r`n" } }
        $p = Open-NetworkStream mail $null 127.0.0.1 $peer.Port -Type StartTls @options -CertificateAuthority $certs.Ca
        $p.Security | Should -Be Tls
        @($peer.Heard) | Should -Be @('EHLO scripted', 'STARTTLS', '[tls] EHLO scripted')
    }

    It 'against a server without STARTTLS: -Type <Type> <Outcome>' -TestCases @(
        @{ Type = 'StartTls'; Outcome = 'is TlsNotOffered and leaves nothing'; ErrorId = 'TlsNotOffered' }
        @{ Type = 'Network'; Outcome = 'stays plain, with greeting and capabilities'; ErrorId = $null }
        @{ Type = 'Plain'; Outcome = 'stays plain (capabilities with -AlwaysQueryCapabilities)'; ErrorId = $null }
        @{ Type = 'Tls'; Outcome = 'is TlsNotSpoken (the greeting is text)'; ErrorId = 'TlsNotSpoken' }
    ) {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $false, $null)
        $script:peers.Add($peer)
        $err = $null
        $options = $smtp.Clone()
        if ($Type -eq 'Plain') { $options.Remove('TlsServerName') } else { $options.CertificateAuthority = $certs.Ca }
        $p = Open-NetworkStream mail $null 127.0.0.1 $peer.Port -Type $Type @options -AlwaysQueryCapabilities -ErrorVariable err -ErrorAction SilentlyContinue
        if ($ErrorId) {
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $p | Should -BeNullOrEmpty
            @(Get-NetworkProcess).Count | Should -Be 0
        } else {
            $err | Should -BeNullOrEmpty
            $p.Security | Should -Be Plain
            $p.Greeting | Should -Be "220 mail.test ESMTP ready`r`n"
            $p.Capabilities | Should -Match '250 HELP'
            @($peer.Heard) | Should -Be @('EHLO me')
        }
    }

    It 'a refused STARTTLS (the reply does not match -Success) is an error with -Type StartTls, plain with Network' {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $false, $null)
        $script:peers.Add($peer)
        $options = $smtp.Clone()
        $options.StartTlsCommand = { param($Capabilities) "STARTTLS`r`n" }
        { Open-NetworkStream mail $null 127.0.0.1 $peer.Port -Type StartTls @options -ErrorAction Stop } | Should -Throw -ErrorId 'TlsNotOffered*'
        @(Get-NetworkProcess).Count | Should -Be 0
        $p = Open-NetworkStream mail $null 127.0.0.1 $peer.Port -Type Network @options
        $p.Security | Should -Be Plain
    }
}

Describe "Protect-NetworkProcess: a server's connection starts TLS as the TLS server" {
    AfterEach { Reset-TlsTest }

    BeforeAll {
        # An SMTP-like NetProc server: greets each connection, answers EHLO (offering STARTTLS while plain), answers
        # STARTTLS with "220 go ahead" and upgrades the connection in its filter, and any other line with "250 ok: LINE".
        # $heard gets each line read, after the connection's Security then; $Protect adds options to the upgrade.
        function Start-NetProcSmtpServer([System.Collections.Generic.List[string]] $Heard, [hashtable] $Protect = @{}) {
            $certificate = $certs.Server
            $filter = {
                param($Process, $Data)
                $pending = "$($Process.Plist['pending'])$Data"
                while (($at = $pending.IndexOf("`n")) -ge 0) {
                    $line = $pending.Substring(0, $at).TrimEnd("`r")
                    $pending = $pending.Substring($at + 1)
                    $Heard.Add("$($Process.Security) $line")
                    switch -Regex ($line) {
                        '^EHLO' { Send-NetworkProcess $Process "250-netproc.test`r`n$(if ($Process.Security -eq 'Plain') { "250-STARTTLS`r`n" })250 HELP`r`n" }
                        '^STARTTLS' {
                            Send-NetworkProcess $Process "220 go ahead`r`n"
                            Protect-NetworkProcess $Process -Certificate $certificate -Timeout 5 @Protect
                        }
                        default { Send-NetworkProcess $Process "250 ok: $line`r`n" }
                    }
                }
                $Process.Plist['pending'] = $pending
            }.GetNewClosure()
            New-NetworkProcess smtp -Server -Service 0 -Filter $filter -Sentinel {
                param($Process, $Message)
                if ($Message -like 'open from*') { Send-NetworkProcess $Process "220 netproc.test ESMTP`r`n" }
            }
        }
    }

    It 'answers openssl s_client -starttls smtp: the go-ahead, the upgrade in its filter (requiring a client certificate), then data both ways through TLS, in order' {
        $heard = [System.Collections.Generic.List[string]]::new()
        $srv = Start-NetProcSmtpServer $heard @{ RequireClientCertificate = $true; CertificateAuthority = $caFile }
        $out = Join-Path $certs.Folder starttls.log
        Set-Content (Join-Path $certs.Folder starttls-in.txt) 'hello through tls'
        $client = Start-Process openssl -ArgumentList 's_client', '-connect', "127.0.0.1:$($srv.Service)", '-starttls', 'smtp', '-CAfile', $caFile, '-servername', 'localhost', '-verify_return_error', '-quiet', '-cert', (Join-Path $certs.Folder client.pem), '-key', (Join-Path $certs.Folder client.key) -PassThru -RedirectStandardOutput $out -RedirectStandardInput (Join-Path $certs.Folder starttls-in.txt) -RedirectStandardError "$out.err" -ErrorAction Stop
        try {
            Wait-TestCondition { (Get-Content $out -Raw -ErrorAction SilentlyContinue) -match '250 ok: hello through tls' } | Should -BeTrue -Because (Get-Content "$out.err" -Raw)
            $heard -notmatch ' $' | Should -Be @('Plain EHLO mail.example.com', 'Plain STARTTLS', 'Tls hello through tls')
            $connection = Get-NetworkProcess -Name 'smtp <*>'
            $connection.Security | Should -Be Tls
            $connection.Tls.RemoteCertificate.Thumbprint | Should -Be $certs.Client.Thumbprint
            $connection.Status | Should -Be Open
        } finally { if (-not $client.HasExited) { $client.Kill() } }
    }

    It 'upgrades both ends in one session: a NetProc client and server, each in its filter, callbacks running while each waits' {
        $heard = [System.Collections.Generic.List[string]]::new()
        $srv = Start-NetProcSmtpServer $heard
        $got = [System.Collections.Generic.List[string]]::new()
        $mail = New-NetworkProcess mail -Service $srv.Service -Timeout 5 -Filter {
            param($Process, $Data)
            foreach ($line in $Data -split "`r`n" -ne '') {
                $got.Add("$($Process.Security) $line")
                switch -Regex ($line) {
                    '^220 netproc' { Send-NetworkProcess $Process "STARTTLS`r`n" }
                    '^220 go ahead' {
                        Protect-NetworkProcess $Process -CertificateAuthority $certs.Ca -TlsServerName localhost -Timeout 5
                        Send-NetworkProcess $Process "hello`r`n"
                    }
                }
            }
        }
        Wait-TestCondition { $got.Count -ge 3 } | Should -BeTrue
        $got | Should -Be @('Plain 220 netproc.test ESMTP', 'Plain 220 go ahead', 'Tls 250 ok: hello')
        $heard | Should -Be @('Plain STARTTLS', 'Tls hello')
        $mail.Tls.RemoteCertificate.Thumbprint | Should -Be $certs.Server.Thumbprint
        (Get-NetworkProcess -Name 'smtp <*>').Name | Should -Be "smtp <127.0.0.1:$(([System.Net.IPEndPoint]$mail.LocalEndPoint).Port)>"
    }

    It '-Role reverses the sides: a client becomes the TLS server, a connection of a server the TLS client' {
        # The server runs in a runspace of its own: each side upgrades in a callback and waits for the other's handshake,
        # and one pipeline thread could run the server's callback inside the caller's wait to send its go-ahead, where
        # neither handshake could go on.
        $port = Get-ClosedPort
        $ps = New-TestRunspace
        try {
            $listening = [System.Threading.ManualResetEventSlim]::new()
            $null = $ps.AddScript({
                    param($port, $ca, $listening)
                    $null = New-NetworkProcess reversed -Server -Service $port -Filter ({
                        param($Process, $Data)
                        if ($Data -match 'READY') {
                            Protect-NetworkProcess $Process -Role Client -CertificateAuthority $ca -TlsServerName localhost -Timeout 5
                            Send-NetworkProcess $Process "ping`n"
                        }
                    }.GetNewClosure())
                    $listening.Set()
                    $deadline = [datetime]::UtcNow.AddSeconds(10)
                    while (-not (Get-NetworkProcess -Name 'reversed <*>' | Where-Object { $_.Tls -and $_.BytesSent -gt 0 }) -and [datetime]::UtcNow -lt $deadline) {
                        $null = Wait-NetworkProcess -Timeout 0.1
                    }
                    (Get-NetworkProcess -Name 'reversed <*>').Tls.RemoteCertificate.Thumbprint
                }.ToString()).AddArgument($port).AddArgument($certs.Ca).AddArgument($listening)
            $serving = $ps.BeginInvoke()
            $listening.Wait(10000) | Should -BeTrue
            $client = New-NetworkProcess caller -Service $port -NoWait -Sentinel {
                param($Process, $Message)
                if ($Message -eq "open`n") {
                    Send-NetworkProcess $Process "READY`n"
                    Protect-NetworkProcess $Process -Role Server -Certificate $certs.Server -Timeout 5
                }
            }
            Receive-TestLines -Process $client -Count 1 | Should -Be 'ping'
            $client.Security | Should -Be Tls
            $ps.EndInvoke($serving) | Should -Be $certs.Server.Thumbprint
        }
        finally { $ps.Dispose() }
    }

    It 'upgrades at the prompt, without a filter: what the client sent after the go-ahead, before the upgrade, starts the handshake' {
        $srv = New-NetworkProcess smtp -Server -Service 0
        $client = [NetProcTlsPeer]::StartTlsClientAsync($srv.Service, $certs.Ca, @('hello', 'bye'), $null, 10000)
        Wait-TestCondition { @(Get-NetworkProcess -Name 'smtp <*>').Count -eq 1 } | Should -BeTrue
        $connection = Get-NetworkProcess -Name 'smtp <*>'
        Send-NetworkProcess $connection "220 netproc.test ESMTP`r`n"
        Receive-TestLines -Process $connection -Count 1 | Should -Be 'STARTTLS'
        Send-NetworkProcess $connection "220 go ahead`r`n"
        Wait-TestCondition { $connection.BufferedBytes -gt 0 } | Should -BeTrue -Because 'the client starts its handshake at once'
        Protect-NetworkProcess $connection -Certificate $certs.Server -Timeout 5 -PassThru | Should -Be $connection
        $connection.Security | Should -Be Tls
        foreach ($reply in 'hello', 'bye') {
            Receive-TestLines -Process $connection -Count 1 | Should -Be $reply -Because "the client's TLS greeting went to the handshake, not to the buffer"
            Send-NetworkProcess $connection "250 ok: $reply`r`n"
        }
        Wait-TestCondition { $client.IsCompleted } | Should -BeTrue
        $client.Result | Should -Be @('220 netproc.test ESMTP', '220 go ahead', '[tls] 250 ok: hello', '[tls] 250 ok: bye')
    }

    It 'closes the connection when the client does not start TLS: an error naming the reason, Failed, the sentinel saying why' {
        $messages = [System.Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess smtp -Server -Service 0 -Sentinel { param($Process, $Message) $messages.Add($Message) }
        $client = [NetProcTlsPeer]::StartTlsClientAsync($srv.Service, $certs.Ca, @(), "HELLO in the clear`r`n", 10000)
        Wait-TestCondition { @(Get-NetworkProcess -Name 'smtp <*>').Count -eq 1 } | Should -BeTrue
        $connection = Get-NetworkProcess -Name 'smtp <*>'
        Send-NetworkProcess $connection "220 netproc.test ESMTP`r`n"
        Receive-TestLines -Process $connection -Count 1 | Should -Be 'STARTTLS'
        Send-NetworkProcess $connection "220 go ahead`r`n"
        Wait-TestCondition { $connection.BufferedBytes -gt 0 } | Should -BeTrue
        { Protect-NetworkProcess $connection -Certificate $certs.Server -Timeout 5 -ErrorAction Stop } | Should -Throw -ErrorId 'TlsNotSpoken*'
        Wait-TestCondition { $messages -contains "failed with code TlsNotSpoken`n" } | Should -BeTrue
        $connection.Status | Should -Be Failed
        $connection.LastError.Message | Should -Match 'does not speak TLS'
        Wait-TestCondition { $client.IsCompleted } | Should -BeTrue
        $client.Result[-1] | Should -Match '^(\[plain\] |error: )' -Because 'the client hears no reply: the connection is closed'
    }

    It 'refuses what cannot be, with stable ErrorIds: <Case>' -TestCases @(
        @{ Case = "a server's connection without -Certificate"; Target = 'connection'; Options = @{}; ErrorId = 'IncompatibleParameters'; Says = 'needs -Certificate' }
        @{ Case = 'a listening server'; Target = 'server'; Options = @{ Certificate = 'server' }; ErrorId = 'ProcessNotRunning'; Says = 'is a server' }
        @{ Case = '-RequireClientCertificate on a client'; Target = 'client'; Options = @{ RequireClientCertificate = $true }; ErrorId = 'IncompatibleParameters'; Says = 'TLS server' }
        @{ Case = "-SkipCertificateCheck on a server's connection"; Target = 'connection'; Options = @{ Certificate = 'server'; SkipCertificateCheck = $true }; ErrorId = 'IncompatibleParameters'; Says = 'TLS clients' }
        @{ Case = '-Role Server on a client without -Certificate'; Target = 'client'; Options = @{ Role = 'Server' }; ErrorId = 'IncompatibleParameters'; Says = '-Role Server' }
    ) {
        $srv = New-NetworkProcess smtp -Server -Service 0
        $client = New-NetworkProcess mail -Service $srv.Service -Timeout 5
        Wait-TestCondition { @(Get-NetworkProcess -Name 'smtp <*>').Count -eq 1 } | Should -BeTrue
        $processes = @{ server = $srv; client = $client; connection = (Get-NetworkProcess -Name 'smtp <*>') }
        if ($Options.Certificate) { $Options.Certificate = $certs.Server }
        $err = $null
        try { Protect-NetworkProcess -InputObject $processes[$Target] @Options -Timeout 5 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        "$err" | Should -Match ([regex]::Escape($Says))
        foreach ($process in $processes.Values) { $process.Status | Should -BeIn Open, Listen; $process.Security | Should -Be Plain }
    }
}

Describe 'TLS 1.3: a server that refuses the client after its handshake' {
    AfterEach { Reset-TlsTest }

    It 'openssl s_server requires a client certificate: the client opens, then fails with TlsClientCertificateRequired, the sentinel saying why' {
        $server = Start-TestOpenSslServer -Certificates $certs -Arguments '-Verify', '1', '-CAfile', $caFile
        try {
            $messages = [System.Collections.Generic.List[string]]::new()
            $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $server.Port -CertificateAuthority $caFile -Timeout 5 -Sentinel { param($Process, $Message) $messages.Add($Message) }
            $p.Tls.Protocol | Should -Be Tls13 -Because 'TLS 1.3 completes the client handshake before the server checks'
            Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
            $messages | Should -Be @("failed with code TlsClientCertificateRequired`n")
            $p.Status | Should -Be Failed
            $p.ExitStatus | Should -Be TlsClientCertificateRequired
            $p.LastError.Error | Should -Be TlsClientCertificateRequired
            $p.LastError.Message | Should -Match '-Certificate'
        } finally { Stop-TestOpenSsl $server }
    }

    It 'Open-NetworkStream waiting for the greeting gets the error, and leaves nothing' {
        $server = Start-TestOpenSslServer -Certificates $certs -Arguments '-Verify', '1', '-CAfile', $caFile
        try {
            { Open-NetworkStream web $null 127.0.0.1 $server.Port -Type Tls -CertificateAuthority $caFile -TlsServerName localhost -EndOfCommand '^220 .*\r\n' -Timeout 5 -ErrorAction Stop } |
                Should -Throw -ErrorId 'TlsClientCertificateRequired*'
            @(Get-NetworkProcess).Count | Should -Be 0
        } finally { Stop-TestOpenSsl $server }
    }

    It 'a NetProc server with -RequireClientCertificate (.NET closes without an alert): the client fails with TlsClientCertificateRequired under <Version>' -TestCases @(
        @{ Version = 'Tls12' }
        @{ Version = 'Tls13' }
    ) {
        $srv = New-NetworkProcess srv -Server -Service 0 -Certificate $certs.Server -RequireClientCertificate -CertificateAuthority $certs.Ca
        $messages = [System.Collections.Generic.List[string]]::new()
        $p = New-NetworkProcess web -Tls -Host 127.0.0.1 -Service $srv.Service -CertificateAuthority $certs.Ca -SslProtocol $Version -Timeout 5 -Sentinel { param($Process, $Message) $messages.Add($Message) }
        Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
        $messages | Should -Be @("failed with code TlsClientCertificateRequired`n")
        $p.LastError.Message | Should -Match 'most likely requires one'
    }

    It 'openssl s_server under TLS 1.2 ends the handshake itself: New-NetworkProcess fails with TlsClientCertificateRequired' {
        $server = Start-TestOpenSslServer -Certificates $certs -Arguments '-Verify', '1', '-CAfile', $caFile, '-tls1_2'
        try {
            $failure = Get-TlsFailure @{ Service = $server.Port; CertificateAuthority = $caFile }
            $failure.FullyQualifiedErrorId | Should -BeLike 'TlsClientCertificateRequired,*'
            $failure.CategoryInfo.Category | Should -Be SecurityError
        } finally { Stop-TestOpenSsl $server }
    }
}

Describe "Open-NetworkStream: what the server sends past the dialogue, and the dialogue's own waits" {
    AfterEach { Reset-TlsTest }

    BeforeAll {
        $script:smtp = $smtpDialogue + @{ CertificateAuthority = $certs.Ca }
    }

    It 'leaves what came with the greeting, in the same write, as the first unread output, byte for byte' {
        $peer = Start-PlainGreeter "220 ready`r`nhé€ after`r`n"
        $p = Open-NetworkStream greeted $null 127.0.0.1 $peer.Port -EndOfCommand '^220 .*\r\n' -Timeout 5
        $p.Greeting | Should -Be "220 ready`r`n"
        Receive-TestLines -Process $p -Count 1 | Should -Be 'hé€ after'

        $bytes = Open-NetworkStream greeted $null 127.0.0.1 $peer.Port -EndOfCommand '^220 .*\r\n' -Encoding Byte -Timeout 5
        $bytes.Greeting | Should -Be "220 ready`r`n"
        $expected = [Text.Encoding]::UTF8.GetBytes("hé€ after`r`n")
        [Convert]::ToHexString((Receive-TestBytes -Process $bytes -Count $expected.Length)) | Should -Be ([Convert]::ToHexString($expected))
    }

    It 'leaves what came with the capabilities through TLS as the first unread output, ahead of later replies' {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $true, $null)
        $peer.AfterTlsCapabilities = "* volunteered`r`n"
        $script:peers.Add($peer)
        $p = Open-NetworkStream mail $null 127.0.0.1 $peer.Port -Type StartTls @smtp
        $p.Capabilities | Should -Match '250 HELP\r\n$'
        Send-NetworkProcess $p "NOOP`r`n"
        Receive-TestLines -Process $p -Count 2 | Should -Be @('* volunteered', '250 ok: NOOP')
    }

    It 'refuses plain text the server sent with its go-ahead for STARTTLS (TlsUnexpectedPlaintext), leaving nothing' {
        $peer = [NetProcSmtpPeer]::new($certs.Server, $true, $null)
        $peer.AfterGoAhead = "250-injected`r`n"
        $script:peers.Add($peer)
        $err = $null
        $p = Open-NetworkStream mail $null 127.0.0.1 $peer.Port -Type Network @smtp -ErrorVariable err -ErrorAction SilentlyContinue
        $p | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TlsUnexpectedPlaintext,*'
        "$($err[0])" | Should -Match '250-injected'
        @(Get-NetworkProcess).Count | Should -Be 0
    }

    It 'sends its commands as Send-NetworkProcess does, callbacks running meanwhile: a peer in the same session reads them' {
        # In a runspace of its own, so a wait that ran no callbacks (it would never end) fails the test instead of hanging it.
        $session = New-TestRunspace
        try {
            $null = $session.AddScript({
                    $sink = New-NetworkProcess sink -Server -Service 0 -Encoding Byte -Filter {
                        param($Process, $Data)
                        if ($Data[-1] -eq 10) { Send-NetworkProcess $Process "OK`r`n" }
                    }
                    $command = 'x' * 32MB + "`r`n"
                    $p = Open-NetworkStream big $null 127.0.0.1 $sink.Service -NoGreeting -AlwaysQueryCapabilities -CapabilityCommand $command -EndOfCapability '^OK\r\n' -Timeout 30
                    $p.Capabilities
                    Get-NetworkProcess | Remove-NetworkProcess
                })
            $run = $session.BeginInvoke()
            $finished = $run.AsyncWaitHandle.WaitOne(40000)
            if (-not $finished) { $session.Stop() }
            $finished | Should -BeTrue -Because 'the command of 32 MiB needs the peer to read it, and the peer reads in its filter'
            $session.EndInvoke($run) | Should -Be "OK`r`n"
            $session.Streams.Error | Should -BeNullOrEmpty
        } finally { $session.Dispose() }
    }
}
