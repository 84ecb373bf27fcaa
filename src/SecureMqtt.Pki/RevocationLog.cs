using System.Globalization;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SecureMqtt.Pki;

/// <summary>
/// The CA's record of what it has revoked, kept next to the CA in a small text file so that each revocation
/// adds to the previous ones and the CRL can be re-issued (with a higher CRL number) at any time.
/// </summary>
/// <remarks>
/// Format, one item per line: <c>crl-number N</c>, and <c>revoked SERIAL TIME REASON SUBJECT</c> where TIME is
/// ISO 8601 UTC and REASON an <see cref="X509RevocationReason"/> name or <c>-</c>. Lines starting with <c>#</c> are comments.
/// </remarks>
public sealed class RevocationLog
{
    private readonly List<(RevokedCertificate Entry, string Subject)> _entries = [];

    /// <summary>The revoked certificates, oldest first.</summary>
    public IReadOnlyList<RevokedCertificate> Entries => [.. _entries.Select(e => e.Entry)];

    /// <summary>The number of the last CRL issued from this log (0 before the first).</summary>
    public BigInteger CrlNumber { get; private set; }

    /// <summary>Reads a log; a missing file is an empty log.</summary>
    /// <param name="path">The log file.</param>
    /// <exception cref="PkiException">The file cannot be read or is damaged.</exception>
    public static RevocationLog Load(string path)
    {
        var log = new RevocationLog();
        if (!File.Exists(path))
        {
            return log;
        }

        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(' ', 5, StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (parts[0])
                {
                    case "crl-number":
                        log.CrlNumber = BigInteger.Parse(parts[1], CultureInfo.InvariantCulture);
                        break;
                    case "revoked":
                        var reason = parts[3] == "-" ? (X509RevocationReason?)null : Enum.Parse<X509RevocationReason>(parts[3]);
                        var at = DateTimeOffset.Parse(parts[2], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                        log._entries.Add((new RevokedCertificate(NormalizeSerial(parts[1]), at, reason), parts.Length > 4 ? parts[4] : string.Empty));
                        break;
                    default:
                        throw new FormatException($"unknown keyword '{parts[0]}'");
                }
            }
            catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentException)
            {
                throw new PkiException($"{path} line {number} is damaged ({ex.Message}): fix or remove that line.", ex);
            }
        }

        return log;
    }

    /// <summary>Whether a serial number is already in the log.</summary>
    /// <param name="serialNumber">Hex serial number.</param>
    public bool Contains(string serialNumber) =>
        _entries.Exists(e => e.Entry.SerialNumber == NormalizeSerial(serialNumber));

    /// <summary>Adds a revocation; returns false (and changes nothing) if the serial is already revoked.</summary>
    /// <param name="entry">The revocation.</param>
    /// <param name="subject">The certificate's subject, kept for people reading the file.</param>
    public bool Add(RevokedCertificate entry, string subject)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var normalized = entry with { SerialNumber = NormalizeSerial(entry.SerialNumber) };
        if (Contains(normalized.SerialNumber))
        {
            return false;
        }

        _entries.Add((normalized, subject.ReplaceLineEndings(" ")));
        return true;
    }

    /// <summary>Issues the next CRL from the log (incrementing <see cref="CrlNumber"/>), as PEM.</summary>
    /// <param name="authority">The CA that signs it.</param>
    /// <param name="validityDays">Days until the CRL's nextUpdate.</param>
    public string IssueCrlPem(CertificateAuthority authority, int validityDays = CertificateAuthority.DefaultCrlValidityDays)
    {
        ArgumentNullException.ThrowIfNull(authority);
        var pem = authority.CreateCrlPem(Entries, CrlNumber + 1, validityDays);
        CrlNumber++;
        return pem;
    }

    /// <summary>The log's text, for writing with <see cref="PemFiles"/>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder()
            .Append("# Certificates revoked by this CA (smqtt certs revoke). The CRL is re-created from this file.\n")
            .Append(CultureInfo.InvariantCulture, $"crl-number {CrlNumber}\n");
        foreach (var (entry, subject) in _entries)
        {
            var reason = entry.Reason?.ToString() ?? "-";
            text.Append(CultureInfo.InvariantCulture, $"revoked {entry.SerialNumber} {entry.RevokedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} {reason} {subject}\n");
        }

        return text.ToString();
    }

    /// <summary>Upper-case hex without separators, the form <see cref="X509Certificate2.SerialNumber"/> uses.</summary>
    /// <param name="serialNumber">A serial number, optionally with colons or a 0x prefix.</param>
    /// <exception cref="ArgumentException">It is not hex.</exception>
    public static string NormalizeSerial(string serialNumber)
    {
        ArgumentNullException.ThrowIfNull(serialNumber);
        var hex = serialNumber.Trim().Replace(":", string.Empty, StringComparison.Ordinal);
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        if (hex.Length % 2 != 0)
        {
            hex = "0" + hex;
        }

        if (hex.Length == 0 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"'{serialNumber}' is not a hex serial number (e.g. 3A:F2:... as 'smqtt certs inspect' prints it).", nameof(serialNumber));
        }

        return hex.ToUpperInvariant();
    }
}
