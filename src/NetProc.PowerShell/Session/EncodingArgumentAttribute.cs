using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;

namespace NetProc.Session;

/// <summary>
/// Accepts what PowerShell's <c>-Encoding</c> parameters accept (names such as <c>utf8</c>, <c>ascii</c>, <c>latin1</c>,
/// code pages, Encoding objects) plus <c>Byte</c>, which means binary: chunks are delivered as <c>byte[]</c>.
/// </summary>
internal sealed class EncodingArgumentAttribute : ArgumentTransformationAttribute
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
