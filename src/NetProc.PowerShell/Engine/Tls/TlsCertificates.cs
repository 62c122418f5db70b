using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NetProc.Engine;

/// <summary>Certificates as users give them: an X509Certificate2, or a file (PFX, or PEM with its key); trusted CAs; pins.</summary>
internal static class TlsCertificates
{
    /// <summary>
    /// A certificate with (where the file holds one) its private key: an X509Certificate2 as is, or a path to a PFX/P12
    /// file (with <paramref name="password"/> if it has one) or a PEM file holding the certificate and its key.
    /// </summary>
    public static X509Certificate2 Load(object certificate, SecureString? password)
    {
        switch (certificate)
        {
            case X509Certificate2 given:
                return given;
            case string or FileInfo:
                string path = certificate is FileInfo file ? file.FullName : Path.GetFullPath((string)certificate);
                string? secret = password is null ? null : new NetworkCredential(string.Empty, password).Password;
                try
                {
                    return IsPem(path)
                        ? secret is null ? X509Certificate2.CreateFromPemFile(path) : X509Certificate2.CreateFromEncryptedPemFile(path, secret)
                        : new X509Certificate2(path, secret, X509KeyStorageFlags.EphemeralKeySet);
                }
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
                {
                    throw new NetProcException(NetProcError.InvalidCertificate, Unreadable(path, e, password is not null), path, e);
                }

            default:
                throw new NetProcException(
                    NetProcError.InvalidCertificate,
                    $"-Certificate takes an X509Certificate2 or the path of a PFX or PEM file, not a {certificate.GetType().Name}.",
                    certificate);
        }
    }

    /// <summary>CA certificates to trust: X509Certificate2 objects, or files holding one or more (PEM or DER).</summary>
    public static X509Certificate2Collection LoadAuthorities(IEnumerable<object> authorities)
    {
        var all = new X509Certificate2Collection();
        foreach (var authority in authorities)
        {
            switch (authority)
            {
                case X509Certificate2 given:
                    all.Add(given);
                    break;
                case X509Certificate2Collection given:
                    all.AddRange(given);
                    break;
                case string or FileInfo:
                    string path = authority is FileInfo file ? file.FullName : Path.GetFullPath((string)authority);
                    try
                    {
                        if (IsPem(path))
                        {
                            all.ImportFromPemFile(path);
                        }
                        else
                        {
                            all.Add(new X509Certificate2(path));
                        }
                    }
                    catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
                    {
                        throw new NetProcException(NetProcError.InvalidCertificate, Unreadable(path, e, passwordGiven: false), path, e);
                    }

                    break;
                default:
                    throw new NetProcException(
                        NetProcError.InvalidCertificate,
                        $"-CertificateAuthority takes X509Certificate2 objects or paths of PEM or DER files, not a {authority.GetType().Name}.",
                        authority);
            }
        }

        return all;
    }

    /// <summary>A thumbprint as hex digits only, upper case: what <c>Thumbprint</c> shows, with or without colons and spaces.</summary>
    public static string NormalizeThumbprint(string thumbprint)
    {
        string hex = new(thumbprint.Where(c => c is not (':' or ' ' or '-')).Select(char.ToUpperInvariant).ToArray());
        if (hex.Length is not (40 or 64) || !hex.All(Uri.IsHexDigit))
        {
            throw new NetProcException(
                NetProcError.InvalidCertificate,
                $"'{thumbprint}' is not a certificate thumbprint: give the 40 hex digits of its SHA-1 (what Thumbprint shows) or the 64 of its SHA-256.",
                thumbprint);
        }

        return hex;
    }

    /// <summary>Whether <paramref name="certificate"/> has one of the pinned thumbprints (SHA-1 or SHA-256).</summary>
    public static bool MatchesAny(X509Certificate2 certificate, IReadOnlyList<string> thumbprints) =>
        thumbprints.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase)
        || thumbprints.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256), StringComparer.OrdinalIgnoreCase);

    /// <summary>The names a certificate is for: its DNS and IP subject alternative names, else its common name.</summary>
    public static string NamesOf(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(san => san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())))
            .ToList();
        if (names.Count == 0)
        {
            names.Add(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        }

        return string.Join(", ", names);
    }

    private static bool IsPem(string path)
    {
        using var reader = new StreamReader(path);
        char[] start = new char[64];
        int n = reader.ReadBlock(start, 0, start.Length);
        return new string(start, 0, n).Contains("-----BEGIN", StringComparison.Ordinal);
    }

    private static string Unreadable(string path, Exception e, bool passwordGiven) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"There is no certificate file at {path}: check the path.",
        UnauthorizedAccessException => $"Certificate file {path} may not be read: permission denied.",
        CryptographicException when !passwordGiven && e.Message.Contains("password", StringComparison.OrdinalIgnoreCase) =>
            $"Certificate file {path} is protected by a password: give it with -CertificatePassword.",
        _ => $"Certificate file {path} could not be read as a PFX or PEM certificate{(passwordGiven ? " with that password" : string.Empty)}: {e.Message}",
    };
}
