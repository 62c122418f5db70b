# Help text for Open-NetworkStream; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Opens a TCP connection, plain or TLS, with arguments in the order of Emacs open-network-stream.'
    Description = @'
Open-NetworkStream NAME BUFFER HOST SERVICE connects a TCP stream client, plain or (-Type Tls) TLS, as Emacs's open-network-stream does, and returns it as a process object listed in the session. It is New-NetworkProcess for the common case, with Emacs's positional arguments: pass $null as BUFFER to keep the output with the process. A failed connect is an error (ConnectionRefused, HostNotFound, ConnectTimeout, ...) and leaves nothing behind.

With -Type Tls the connect includes the TLS handshake, with the same checks and options as New-NetworkProcess -Tls: -CertificateAuthority, -ServerCertificateThumbprint, -TlsServerName, -Certificate, -SslProtocol, -ApplicationProtocol, -SkipCertificateCheck.

As Emacs's open-network-stream, it can hold the protocol's opening dialogue before it returns: -EndOfCommand (a regular expression ending every response) reads the greeting into the process's Greeting; -CapabilityCommand (text, or a ScriptBlock given the greeting) asks for the capabilities, read up to -EndOfCapability into Capabilities; -StartTlsCommand (text sent when the capabilities name it, or a ScriptBlock given the capabilities that returns the command or $null) starts TLS if the reply matches -Success, and the capabilities are asked again through TLS. -Type StartTls demands it: a server that does not offer STARTTLS, refuses it or fails the handshake is an error (TlsNotOffered, or the handshake's reason) and the connection is closed. -Type Network (the default) upgrades when offered and stays plain otherwise; -Type Plain never does. -NoGreeting is for servers that speak only when spoken to; -AlwaysQueryCapabilities asks for them with Plain and Tls too. The dialogue's text is read off the buffer: what you read afterwards starts right after the last response, with whatever the server sent after it (in the same write or later), byte for byte. Commands are sent as Send-NetworkProcess sends, other processes' callbacks running while a large one waits for room. Plain text the server sends after agreeing to STARTTLS, before the handshake, is refused (TlsUnexpectedPlaintext): anyone on the way could have put it there. A TLS 1.3 server that refuses the client only after the handshake (a client certificate it requires: TlsClientCertificateRequired) makes the dialogue's error.

For servers, datagrams, unix sockets, filters or sentinels at creation, use New-NetworkProcess, or set callbacks afterwards with Set-NetworkProcess.
'@
    Inputs      = @(
        @{ Type = 'None'; Description = 'You cannot pipe objects to Open-NetworkStream.' }
    )
    Outputs     = @(
        @{ Type = 'NetProc.Engine.StreamProcess'; Description = 'The connected client.' }
    )
    Examples    = @(
        @{
            Title   = 'An HTTP request, Emacs style'
            Code    = @'
$web = New-NetworkProcess -Name web -Server -Service 0 -Filter {
    param($Process, $Data)
    Send-NetworkProcess $Process "HTTP/1.0 200 OK`r`nContent-Length: 4`r`n`r`nhi`r`n"
}
$page = Open-NetworkStream page $null 127.0.0.1 $web.Service
Send-NetworkProcess $page "GET / HTTP/1.0`r`nHost: localhost`r`n`r`n"
Receive-NetworkProcess $page -Wait -Line -Timeout 5
Remove-NetworkProcess page, web*
'@
            Remarks = @'
$web stands in for a web server on loopback (for a real one: Open-NetworkStream page $null example.org http). The positional arguments are name, buffer ($null: the process keeps its output), host and service. The response prints line by line: "HTTP/1.0 200 OK", "Content-Length: 4", "", "hi". With -Line a last line without its newline is held back until it ends or the connection closes.
'@
            Output  = @('HTTP/1.0 200 OK', 'Content-Length: 4', '', 'hi')
        }
        @{
            Title   = 'Named parameters, a named buffer, an encoding and a connect timeout'
            Code    = @'
$daytime = New-NetworkProcess -Name daytime -Server -Service 0 -Sentinel {
    param($Process, $Message)
    if ($Message -like 'open from*') { Send-NetworkProcess $Process "$(Get-Date -Format o)`r`n" }
}
$clock = Open-NetworkStream -Name clock -Buffer clocks -HostName 127.0.0.1 -Service $daytime.Service -Encoding ascii -Timeout 5
Receive-NetworkProcess $clock -Wait -Line -Timeout 5
Remove-NetworkProcess clock, daytime*
'@
            Remarks = @'
$daytime plays a daytime server (RFC 867) that writes the time to every client. The client's output goes to the buffer "clocks", decoded as ASCII; a connect that takes longer than 5 seconds would fail with ConnectTimeout and leave nothing behind.
'@
            Output  = @('????-??-??T??:??:??*')
        }
        @{
            Title   = 'A TLS stream to a server whose certificate a private CA issued'
            Code    = @'
$key = [System.Security.Cryptography.RSA]::Create(2048)
$request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key, 'SHA256', [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
$names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
$names.AddDnsName('localhost')
$request.CertificateExtensions.Add($names.Build())
$cert = $request.CreateSelfSigned([datetimeoffset]::Now.AddMinutes(-5), [datetimeoffset]::Now.AddDays(1))
$imaps = New-NetworkProcess -Name imaps -Server -Service 0 -Certificate $cert -Sentinel {
    param($Process, $Message)
    if ($Message -like 'open from*') { Send-NetworkProcess $Process "* OK IMAP4rev1 ready`r`n" }
}
$mail = Open-NetworkStream mail $null 127.0.0.1 $imaps.Service -Type Tls -TlsServerName localhost -CertificateAuthority $cert -Timeout 5
Receive-NetworkProcess $mail -Wait -Line -Timeout 5
$mail.Tls.RemoteCertificate.Subject
Remove-NetworkProcess mail, imaps*
'@
            Remarks = @'
$imaps plays an IMAP server on its TLS port, with a certificate for "localhost" made on the spot; the client trusts it as its own CA (-CertificateAuthority takes certificates or PEM/DER files, as curl's --cacert) and checks it against the name localhost while connecting to 127.0.0.1. It prints the greeting, then "CN=localhost".
'@
            Output  = @('`* OK IMAP4rev1 ready', 'CN=localhost')
        }
        @{
            Title   = 'SMTP with STARTTLS: greeting, capabilities, upgrade, capabilities again'
            Code    = @'
$key = [System.Security.Cryptography.ECDsa]::Create()
$request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key, 'SHA256')
$cert = $request.CreateSelfSigned([datetimeoffset]::Now.AddMinutes(-5), [datetimeoffset]::Now.AddDays(1))
$listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
$listener.Start()
$server = Start-ThreadJob -ArgumentList $listener, $cert {
    param($Listener, $Cert)
    $say = { param($Stream, $Text) $bytes = [Text.Encoding]::ASCII.GetBytes($Text); $Stream.Write($bytes, 0, $bytes.Length) }
    $stream = [System.Net.Sockets.NetworkStream]::new($Listener.AcceptSocket(), $true)
    & $say $stream "220 mail.example ESMTP ready`r`n"
    $reader = [IO.StreamReader]::new($stream)
    $null = $reader.ReadLine(); & $say $stream "250-mail.example`r`n250-STARTTLS`r`n250 SIZE 1000000`r`n"
    $null = $reader.ReadLine(); & $say $stream "220 Ready to start TLS`r`n"
    $tls = [System.Net.Security.SslStream]::new($stream)
    $tls.AuthenticateAsServer($Cert)
    $null = [IO.StreamReader]::new($tls).ReadLine(); & $say $tls "250-mail.example`r`n250 SIZE 1000000`r`n"
    Start-Sleep -Seconds 1
}
$mail = Open-NetworkStream mail $null 127.0.0.1 $listener.LocalEndpoint.Port -Type StartTls -EndOfCommand '^[0-9]{3} .*\r\n' `
    -CapabilityCommand "EHLO me`r`n" -StartTlsCommand "STARTTLS`r`n" -Success '^2' -ServerCertificateThumbprint $cert.Thumbprint -Timeout 5
$mail.Greeting.Trim()
"$($mail.Security): $($mail.Capabilities -replace '\r\n', ' ')"
Remove-NetworkProcess mail
Remove-Job $server -Force
$listener.Stop()
'@
            Remarks = @'
The thread job plays a mail server that offers STARTTLS. Open-NetworkStream reads its greeting up to -EndOfCommand, sends the capability command, finds STARTTLS among the capabilities, sends the STARTTLS command, checks the reply against -Success, starts TLS (here trusting the self-made certificate by its thumbprint) and asks for the capabilities again, through TLS. It writes the greeting, then "Tls: 250-mail.example 250 SIZE 1000000 ". With -Type StartTls a server without STARTTLS is a TlsNotOffered error and the connection is closed; -Type Network (the default) would stay plain.
'@
            Output  = @('220 mail.example ESMTP ready', 'Tls: 250-mail.example 250 SIZE 1000000*')
        }
    )
    Links       = @('about_NetProc', 'Emacs: open-network-stream', 'New-NetworkProcess', 'Receive-NetworkProcess')
}
