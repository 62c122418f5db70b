# Help text for Protect-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. Their STARTTLS
# server is a thread job around .NET's SslStream, with a certificate made on the spot. An example's Output lists
# what it writes, as -like patterns; the test checks it.
@{
    Synopsis    = 'Starts TLS on an open plain connection, client or server side, after a STARTTLS dialogue (Emacs gnutls-negotiate).'
    Description = @'
Protect-NetworkProcess turns an open plain TCP (or unix-socket) connection into TLS in place, as Emacs's gnutls-negotiate does after a protocol's own STARTTLS dialogue: SMTP's STARTTLS, IMAP's and POP3's STLS, LDAP's StartTLS, XMPP's starttls.

A client becomes the TLS client: send the protocol's command yourself and read its reply first; then Protect-NetworkProcess runs the TLS handshake on the same connection, checking the server's certificate as New-NetworkProcess -Tls does (the system's trust store and the process's host, or -CertificateAuthority, -ServerCertificateThumbprint, -TlsServerName, -SkipCertificateCheck). What was read before stays ahead of everything read through TLS, read or not.

A connection a server accepted becomes the TLS server, with -Certificate (its certificate with its private key; -RequireClientCertificate, -CertificateAuthority, -SslProtocol and -ApplicationProtocol as for New-NetworkProcess -Server). Read the client's STARTTLS command, send the go-ahead ("220 Go ahead"), then protect the connection, from its filter or from the prompt: the client starts its handshake as soon as it has the go-ahead, so what it sent and nobody has read yet when Protect-NetworkProcess starts is the start of that handshake, not input. -Role Server or -Role Client chooses the side for the rare protocol that reverses them. A server itself, or a server's connection without -Certificate, is an error (ProcessNotRunning, IncompatibleParameters).

The process keeps its name, Id, filter, sentinel, buffer and suspension; what was sent before is written first. Afterwards Security is Tls and the Tls property tells the version, cipher suite and the peer's certificate. While it waits for the handshake, callbacks run, as in every NetProc wait. Called in a callback, it waits there, running other callbacks: a peer in the same session must then start its own handshake from a callback too (its filter, on the go-ahead), not from the prompt or a script's next command, since callbacks also run between a script's commands and this one would wait there for a handshake the script has not started.

A failed upgrade is an error naming the reason (TlsUntrustedCertificate, TlsNameMismatch, TlsThumbprintMismatch, TlsProtocolMismatch, TlsNotSpoken, TlsHandshakeTimeout, ...) and closes the connection: the process turns Failed, its sentinel hearing "failed with code TlsUntrustedCertificate". Open-NetworkStream -Type StartTls does the client's whole dialogue for the common protocols.
'@
    Inputs      = @(
        @{ Type = 'NetProc.Engine.StreamProcess'; Description = 'Process objects to upgrade (clients, and connections a server accepted), from the pipeline.' }
        @{ Type = 'System.String'; Description = 'Names of processes to upgrade (by property name).' }
    )
    Outputs     = @(
        @{ Type = 'None'; Description = 'By default, Protect-NetworkProcess writes nothing.' }
        @{ Type = 'NetProc.Engine.StreamProcess'; Description = 'With -PassThru, each upgraded process.' }
    )
    Examples    = @(
        @{
            Title   = 'SMTP STARTTLS: the dialogue in the clear, then TLS on the same connection'
            Code    = @'
$key = [System.Security.Cryptography.ECDsa]::Create()
$request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key, 'SHA256')
$cert = $request.CreateSelfSigned([datetimeoffset]::Now.AddMinutes(-5), [datetimeoffset]::Now.AddDays(1))
$listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
$listener.Start()
$smtp = Start-ThreadJob -ArgumentList $listener, $cert {
    param($Listener, $Cert)
    $say = { param($Stream, $Text) $bytes = [Text.Encoding]::ASCII.GetBytes("$Text`r`n"); $Stream.Write($bytes, 0, $bytes.Length) }
    $plain = [System.Net.Sockets.NetworkStream]::new($Listener.AcceptSocket(), $true)
    & $say $plain '220 mail.example ESMTP ready'
    $null = [IO.StreamReader]::new($plain).ReadLine()
    & $say $plain '220 Ready to start TLS'
    $tls = [System.Net.Security.SslStream]::new($plain)
    $tls.AuthenticateAsServer($Cert)
    & $say $tls "250 $([IO.StreamReader]::new($tls).ReadLine()), privately"
    $tls.Dispose()
}
$mail = New-NetworkProcess -Name mail -Service $listener.LocalEndpoint.Port
Receive-NetworkProcess $mail -Wait -Line -Timeout 5
Send-NetworkProcess $mail "STARTTLS`r`n"
Receive-NetworkProcess $mail -Wait -Line -Timeout 5
Protect-NetworkProcess $mail -ServerCertificateThumbprint $cert.Thumbprint -Timeout 5
Send-NetworkProcess $mail "EHLO me`r`n"
Receive-NetworkProcess $mail -Wait -Line -Timeout 5
"$($mail.Name): $($mail.Security)"
Remove-Job $smtp -Force
$listener.Stop()
'@
            Remarks = @'
The thread job plays a mail server: it greets, answers STARTTLS with 220, then speaks TLS with a certificate made on the spot, which the client pins by its thumbprint (a real server's certificate needs nothing: the system's trust store vouches for it). It writes the two plain replies, "250 EHLO me, privately" (the one reply sent through TLS), and "mail: Tls". The server then closes, and the process leaves the list once its output is read.
'@
            Output  = @('220 mail.example ESMTP ready', '220 Ready to start TLS', '250 EHLO me, privately', 'mail: Tls')
        }
        @{
            Title   = 'A failed upgrade names its reason and closes the connection'
            Code    = @'
$key = [System.Security.Cryptography.ECDsa]::Create()
$request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key, 'SHA256')
$cert = $request.CreateSelfSigned([datetimeoffset]::Now.AddMinutes(-5), [datetimeoffset]::Now.AddDays(1))
$listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
$listener.Start()
$imap = Start-ThreadJob -ArgumentList $listener, $cert {
    param($Listener, $Cert)
    $plain = [System.Net.Sockets.NetworkStream]::new($Listener.AcceptSocket(), $true)
    $tls = [System.Net.Security.SslStream]::new($plain)
    try { $tls.AuthenticateAsServer($Cert) } catch { }
    $tls.Dispose()
}
$mail = New-NetworkProcess -Name mail -Service $listener.LocalEndpoint.Port -Sentinel { param($Process, $Message) Write-Host "$($Process.Name): $($Message.Trim())" }
try { Protect-NetworkProcess $mail -Timeout 5 -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
$null = Wait-NetworkProcess mail -Timeout 1
Remove-NetworkProcess mail
Remove-Job $imap -Force
$listener.Stop()
'@
            Remarks = @'
The server's self-signed certificate is in no trust store and the client gave neither -CertificateAuthority nor -ServerCertificateThumbprint, so the handshake refuses it: the sentinel hears "failed with code TlsUntrustedCertificate" (callbacks run while Protect-NetworkProcess waits), and the error's ErrorId is TlsUntrustedCertificate. The process stays listed, Failed, until it is removed.
'@
            Output  = @('mail: failed with code TlsUntrustedCertificate', 'TlsUntrustedCertificate,*', 'mail: deleted')
        }
        @{
            Title   = 'A STARTTLS server: each connection upgrades in its filter, as the TLS server'
            Code    = @'
$key = [System.Security.Cryptography.ECDsa]::Create()
$request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key, 'SHA256')
$cert = $request.CreateSelfSigned([datetimeoffset]::Now.AddMinutes(-5), [datetimeoffset]::Now.AddDays(1))
$smtpd = New-NetworkProcess -Name smtpd -Server -Service 0 -Filter {
    param($Connection, $Text)
    if ($Text -match '^STARTTLS') {
        Send-NetworkProcess $Connection "220 Go ahead`r`n"
        Protect-NetworkProcess $Connection -Certificate $cert -Timeout 5
    } else {
        Send-NetworkProcess $Connection "250 $($Text.Trim()), over $($Connection.Security)`r`n"
    }
}
$mail = New-NetworkProcess -Name mail -Service $smtpd.Service -Filter {
    param($Process, $Text)
    Write-Host $Text.Trim()
    if ($Text -match '^220') {
        Protect-NetworkProcess $Process -ServerCertificateThumbprint $cert.Thumbprint -Timeout 5
        Send-NetworkProcess $Process "EHLO me`r`n"
    }
}
Send-NetworkProcess $mail "STARTTLS`r`n"
$null = Wait-NetworkProcess mail -Timeout 5
$null = Wait-NetworkProcess mail -Timeout 5
Remove-NetworkProcess mail, smtpd*
'@
            Remarks = @'
The server's filter answers STARTTLS with 220 and upgrades the connection it came on: a connection a server accepted is the TLS server, with the certificate given. Both ends are in this session, so the client upgrades in its filter too, on the go-ahead: Protect-NetworkProcess in a callback waits for its handshake running other callbacks, so the other end's handshake has to start from one as well. The client writes "220 Go ahead", then "250 EHLO me, over Tls", the reply through TLS.
'@
            Output  = @('220 Go ahead', '250 EHLO me, over Tls')
        }
    )
    Links       = @('about_NetProc', 'Emacs: gnutls-negotiate', 'New-NetworkProcess', 'Open-NetworkStream')
}
