using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace NetProc.Session;

/// <summary>
/// Accepts what PowerShell's <c>-Encoding</c> parameters accept (names such as <c>utf8</c>, <c>ascii</c>, <c>latin1</c>,
/// code pages, Encoding objects) plus <c>Byte</c>, which means binary: chunks are delivered as <c>byte[]</c>.
/// </summary>
public sealed class EncodingArgumentAttribute : ArgumentTransformationAttribute
{
    /// <summary>What <c>-Encoding Byte</c> turns into; the engine stores it as a null encoding.</summary>
    public static readonly Encoding Bytes = new ByteEncodingMarker();

    internal static readonly string[] Names =
    {
        "Byte", "utf8", "utf8NoBOM", "utf8BOM", "ascii", "latin1", "unicode", "bigendianunicode", "utf32",
        "bigendianutf32", "utf7", "oem", "ansi", "default",
    };

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object value = inputData is PSObject ps ? ps.BaseObject : inputData;
        return value switch
        {
            Encoding encoding => encoding,
            int codePage => Encoding.GetEncoding(codePage),
            string name => Parse(name),
            _ => throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding name, code page or Encoding."),
        };
    }

    /// <summary>The engine's form: null for bytes.</summary>
    public static Encoding? ForEngine(Encoding encoding) => encoding is ByteEncodingMarker ? null : encoding;

    private static Encoding Parse(string name)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "byte":
            case "binary":
                return Bytes;
            case "utf8":
            case "utf-8":
            case "utf8nobom":
            case "default":
            case "oem":
            case "ansi":
                return new UTF8Encoding(false);
            case "utf8bom":
                return new UTF8Encoding(true);
            case "ascii":
                return Encoding.ASCII;
            case "latin1":
                return Encoding.Latin1;
            case "unicode":
                return new UnicodeEncoding(false, false);
            case "bigendianunicode":
                return new UnicodeEncoding(true, false);
            case "utf32":
                return new UTF32Encoding(false, false);
            case "bigendianutf32":
                return new UTF32Encoding(true, false);
            case "utf7":
#pragma warning disable SYSLIB0001 // PowerShell still accepts it.
                return Encoding.UTF7;
#pragma warning restore SYSLIB0001
        }

        try
        {
            return int.TryParse(name, out int codePage) ? Encoding.GetEncoding(codePage) : Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentTransformationMetadataException(
                $"'{name}' is not a known encoding. Use one of: {string.Join(", ", Names)}, a code page number or an encoding name.");
        }
    }

    /// <summary>Stands for "no decoding" while parameters are bound; never used to encode.</summary>
    private sealed class ByteEncodingMarker : Encoding
    {
        public override string EncodingName => "Byte";

        public override int GetByteCount(char[] chars, int index, int count) => throw new NotSupportedException();

        public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex) => throw new NotSupportedException();

        public override int GetCharCount(byte[] bytes, int index, int count) => throw new NotSupportedException();

        public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) => throw new NotSupportedException();

        public override int GetMaxByteCount(int charCount) => charCount;

        public override int GetMaxCharCount(int byteCount) => byteCount;
    }
}

/// <summary>Tab completion for <c>-Encoding</c>.</summary>
public sealed class EncodingCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        EncodingArgumentAttribute.Names
            .Where(n => n.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n));
}

/// <summary>Tab completion for process names, from the calling runspace's table.</summary>
public sealed class ProcessNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string typed = wordToComplete.Trim('\'', '"');
        var pattern = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
        return (ProcessSession.Current?.Table.Processes ?? Array.Empty<Engine.NetProcess>())
            .Where(p => pattern.IsMatch(p.Name))
            .Select(p => new CompletionResult(Quote(p.Name), p.Name, CompletionResultType.ParameterValue, $"{p.Kind} {p.Status}"));
    }

    internal static string Quote(string name) =>
        name.Any(c => char.IsWhiteSpace(c) || "<>'\"`$(){}[],;&|@#".Contains(c)) ? $"'{name.Replace("'", "''")}'" : name;
}

/// <summary>
/// Tab completion for <c>-Service</c>: names from the services file, TCP ones for streams and UDP ones once
/// <c>-Type Datagram</c> is given. Nothing for <c>-Family Local</c>, whose service is a path: PowerShell then
/// completes file names.
/// </summary>
public sealed class ServiceNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        if (IsBound(fakeBoundParameters, "Family", nameof(Engine.ProcessFamily.Local)))
        {
            return Array.Empty<CompletionResult>();
        }

        var protocol = IsBound(fakeBoundParameters, "Type", nameof(Engine.ProcessProtocol.Datagram))
            ? Engine.ProcessProtocol.Datagram
            : Engine.ProcessProtocol.Stream;
        string typed = wordToComplete.Trim('\'', '"');
        string proto = protocol == Engine.ProcessProtocol.Datagram ? "udp" : "tcp";
        return Engine.ServiceNames.NamesFor(protocol)
            .Where(s => s.Key.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase)
            .Select(s => new CompletionResult(s.Key, s.Key, CompletionResultType.ParameterValue, $"{s.Value}/{proto}"));
    }

    private static bool IsBound(IDictionary bound, string parameter, string value) =>
        bound[parameter] is { } given && string.Equals(given.ToString(), value, StringComparison.OrdinalIgnoreCase);
}
