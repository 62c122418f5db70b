# Help text for Protect-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. Their STARTTLS
# server is a thread job around .NET's SslStream, with a certificate made on the spot. An example's Output lists
# what it writes, as -like patterns; the test checks it.
@{
    Synopsis    = 'Starts TLS on an open plain connection, after a STARTTLS dialogue (Emacs gnutls-negotiate).'
    Description = @'
Protect-NetworkProcess turns an open plain TCP (or unix-socket) client into a TLS client in place, as Emacs's gnutls-negotiate does after a protocol's own STARTTLS dialogue: SMTP's STARTTLS, IMAP's and POP3's STLS, LDAP's StartTLS, XMPP's starttls. Send the protocol's command yourself and read its reply first; then Protect-NetworkProcess runs the TLS handshake on the same connection, checking the server's certificate as New-NetworkProcess -Tls does (the system's trust store and the process's host, or -CertificateAuthority, -ServerCertificateThumbprint, -TlsServerName, -SkipCertificateCheck).

The process keeps its name, Id, filter, sentinel, buffer and suspension. What was sent before is written first; what was read before stays ahead of everything read through TLS, read or not; anything the server sends after its reply is read only through TLS. Afterwards Security is Tls and the Tls property tells the version, cipher suite and the server's certificate.

A failed upgrade is an error naming the reason (TlsUntrustedCertificate, TlsNameMismatch, TlsThumbprintMismatch, TlsProtocolMismatch, TlsNotSpoken, TlsHandshakeTimeout, ...) and closes the connection: the process turns Failed, its sentinel hearing "failed with code TlsUntrustedCertificate". Open-NetworkStream -Type StartTls does the whole dialogue for the common protocols.
'@
    Inputs      = @(
        @{ Type = 'NetProc.Engine.StreamProcess'; Description = 'Process objects to upgrade, from the pipeline.' }
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
The server's self-signed certificate is in no trust store and the client gave neither -CertificateAuthority nor -ServerCertificateThumbprint, so the handshake refuses it: the error's ErrorId is TlsUntrustedCertificate, and the sentinel hears "failed with code TlsUntrustedCertificate". The process stays listed, Failed, until it is removed.
'@
            Output  = @('TlsUntrustedCertificate,*', 'mail: failed with code TlsUntrustedCertificate', 'mail: deleted')
        }
    )
    Links       = @('about_NetProc', 'Emacs: gnutls-negotiate', 'New-NetworkProcess', 'Open-NetworkStream')
}
