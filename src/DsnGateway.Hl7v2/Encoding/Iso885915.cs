using System.Text;

namespace DsnGateway.Hl7v2.Encoding;

/// <summary>
/// ISO-8859-15 (Latin-9) by hand, used only if the runtime's code-page provider cannot supply it.
/// It is Latin-1 with eight code points replaced (the euro sign, Š š Ž ž Œ œ Ÿ).
/// </summary>
internal sealed class Iso885915 : System.Text.Encoding
{
    public static Iso885915 Instance { get; } = new();

    private static readonly (byte Byte, char Char)[] Differences =
    [
        (0xA4, '\u20AC'), (0xA6, '\u0160'), (0xA8, '\u0161'), (0xB4, '\u017D'),
        (0xB8, '\u017E'), (0xBC, '\u0152'), (0xBD, '\u0153'), (0xBE, '\u0178'),
    ];

    private static readonly char[] ToChar = BuildDecodeTable();

    private Iso885915() : base(0) { }

    public override string WebName => "iso-8859-15";

    public override string EncodingName => "ISO-8859-15 (Latin-9)";

    public override int GetByteCount(char[] chars, int index, int count) => count;

    public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex)
    {
        for (var i = 0; i < charCount; i++)
        {
            var c = chars[charIndex + i];
            bytes[byteIndex + i] = ToByte(c) ?? throw new EncoderFallbackException($"'{c}' (U+{(int)c:X4}) has no ISO-8859-15 byte.");
        }
        return charCount;
    }

    public override int GetCharCount(byte[] bytes, int index, int count) => count;

    // Every byte has a character in ISO-8859-15: decoding cannot fail.
    public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex)
    {
        for (var i = 0; i < byteCount; i++) chars[charIndex + i] = ToChar[bytes[byteIndex + i]];
        return byteCount;
    }

    public override int GetMaxByteCount(int charCount) => charCount;

    public override int GetMaxCharCount(int byteCount) => byteCount;

    private static byte? ToByte(char c)
    {
        foreach (var (b, ch) in Differences) if (ch == c) return b;
        if (c > 0xFF) return null;
        foreach (var (b, _) in Differences) if (b == c) return null; // the Latin-1 characters Latin-9 dropped
        return (byte)c;
    }

    private static char[] BuildDecodeTable()
    {
        var table = new char[256];
        for (var i = 0; i < 256; i++) table[i] = (char)i;
        foreach (var (b, c) in Differences) table[b] = c;
        return table;
    }
}
