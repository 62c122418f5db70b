# Help text for New-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Opens a network connection or starts a server, as a process object in the session (Emacs make-network-process).'
    Description = @'
New-NetworkProcess creates a network process: a TCP client (the default), a unix-socket client (-Family Local, the socket's path in -Service), a UDP or unix datagram socket (-SocketType Datagram), or with -Server a listener whose every accepted client becomes a process of its own, named after the server and the peer ("echo <127.0.0.1:51622>").

The process is listed in the session's registry under a unique name (a second "web" is "web<1>") and returned. Its output goes to its buffer, read with Receive-NetworkProcess, or to a -Filter script block; a -Sentinel hears its status changes with Emacs's messages. Callbacks run on the PowerShell thread while the session waits: at the prompt, in Wait-NetworkProcess, Receive-NetworkProcess -Wait, or a Send-NetworkProcess that waits.

A client connects before the cmdlet returns (-NoWait: in the background), within -Timeout seconds if given. A failure is an error with a stable ErrorId (ConnectionRefused, HostNotFound, UnknownService, ConnectTimeout, AddressInUse, ...) and leaves nothing behind. -Service 0 with -Server lets the kernel choose a free port; the process's Service property then shows it.

-Tls makes a TLS client: the connect includes the handshake, which checks the server's certificate against the system's trust store (or -CertificateAuthority, or a -ServerCertificateThumbprint pin) and the host's name (or -TlsServerName). A failure names its reason: TlsUntrustedCertificate, TlsNameMismatch, TlsCertificateExpired, TlsThumbprintMismatch, TlsProtocolMismatch, TlsNotSpoken (the peer does not speak TLS), TlsHandshakeTimeout. -Server -Certificate makes a TLS server. The process's Security is Plain or Tls; its Tls property tells the version, cipher suite, ALPN protocol and the peer's certificate.
'@
    Inputs      = @(
        @{ Type = 'None'; Description = 'You cannot pipe objects to New-NetworkProcess.' }
    )
    Outputs     = @(
        @{ Type = 'NetProc.Engine.StreamProcess'; Description = 'A stream client (Kind Client).' }
        @{ Type = 'NetProc.Engine.ServerProcess'; Description = 'A server (Kind Server, status Listen), with -Server.' }
        @{ Type = 'NetProc.Engine.DatagramProcess'; Description = 'A datagram socket, with -SocketType Datagram.' }
    )
    Notes       = @'
Closing is graceful: Remove-NetworkProcess writes what was sent, then closes, within the process's -Linger seconds. Closing the runspace or Remove-Module NetProc closes every process of the session. See about_NetProc for sentinel messages, buffers, datagrams and the differences from Emacs.
'@
    Examples    = @(
        @{
            Title   = 'An echo server and a client on loopback'
            Code    = @'
$server = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$client = New-NetworkProcess -Name client -Service $server.Service
Send-NetworkProcess $client "hello`n"
Receive-NetworkProcess $client -Wait -Line -Timeout 5
Remove-NetworkProcess client, echo*
'@
            Remarks = @'
The server listens on a port the kernel chose ($server.Service) and its filter sends every chunk back to the connection it came from. The client, with no -HostName, connects to loopback; Receive-NetworkProcess waits for the echo and prints "hello". Remove-NetworkProcess closes the client, the server and its connection ("echo <127.0.0.1:PORT>") gracefully.
'@
            Output  = @('hello')
        }
        @{
            Title   = 'Connect in the background and hear about it in a sentinel'
            Code    = @'
$greeter = New-NetworkProcess -Name greeter -Server -Service 0 -Sentinel {
    param($Process, $Message)
    if ($Message -like 'open from*') { Send-NetworkProcess $Process "welcome`n" }
}
$client = New-NetworkProcess -Name guest -Service $greeter.Service -NoWait -Timeout 5 -Sentinel {
    param($Process, $Message)
    Write-Host "$($Process.Name): $($Message.Trim())"
}
Receive-NetworkProcess $client -Wait -Line -Timeout 5
Remove-NetworkProcess guest, greeter*
'@
            Remarks = @'
-NoWait returns at once with status Connect; the client's sentinel prints "guest: open" when the connect completes (or "failed with code 110" if it outlived -Timeout). The server's sentinel is inherited by each connection, which hears "open from 127.0.0.1" and greets its client; the client reads "welcome". Removing the client prints "guest: deleted".
'@
            Output  = @('guest: open', 'welcome', 'guest: deleted')
        }
        @{
            Title   = 'UDP: a datagram server and a client'
            Code    = @'
$syslog = New-NetworkProcess -Name syslog -SocketType Datagram -Server -Service 0
$sender = New-NetworkProcess -Name sender -SocketType Datagram -Service $syslog.Service
Send-NetworkProcess $sender '<13>app: started'
Receive-NetworkProcess $syslog -Wait -Timeout 5 -Detailed
Remove-NetworkProcess syslog, sender
'@
            Remarks = @'
A datagram socket is open at once, with no handshake and no per-client processes. -Detailed gives one object per datagram with its sender in RemoteEndPoint; a send on $syslog now goes back to that sender (its DatagramAddress).
'@
        }
        @{
            Title   = 'A TLS server with a throwaway certificate, and a client that pins it'
            Code    = @'
$key = [System.Security.Cryptography.ECDsa]::Create()
$request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key, 'SHA256')
$cert = $request.CreateSelfSigned([datetimeoffset]::Now.AddMinutes(-5), [datetimeoffset]::Now.AddDays(1))
$vault = New-NetworkProcess -Name vault -Server -Service 0 -Certificate $cert -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data.ToUpper() }
$client = New-NetworkProcess -Name client -Service $vault.Service -Tls -ServerCertificateThumbprint $cert.Thumbprint -Timeout 5
Send-NetworkProcess $client "secret`n"
Receive-NetworkProcess $client -Wait -Line -Timeout 5
"$($client.Security) $($client.Tls.Protocol)"
Remove-NetworkProcess client, vault*
'@
            Remarks = @'
-Certificate (an X509Certificate2 with its private key, or a PFX or PEM file) makes -Server a TLS server: each client negotiates on the thread pool before it is listed, and one that fails costs the server a -Log line. The client trusts this self-signed certificate by its thumbprint (-ServerCertificateThumbprint); a certificate from a private CA is trusted with -CertificateAuthority, one from a public CA needs nothing. It writes "SECRET", then "Tls Tls13".
'@
            Output  = @('SECRET', 'Tls Tls1*')
        }
    )
    Links       = @('about_NetProc', 'Emacs: make-network-process', 'Open-NetworkStream', 'Get-NetworkProcess', 'Remove-NetworkProcess')
}
