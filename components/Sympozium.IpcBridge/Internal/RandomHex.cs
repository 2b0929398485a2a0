namespace Sympozium.IpcBridge.Internal;

/// <summary>
/// Random lower-case hex for session ids and temporary file names, taken from a version 4 GUID:
/// its bits come from the kernel's random source, while <c>RandomNumberGenerator</c> would load
/// OpenSSL (about 3.5 MiB of resident memory, and milliseconds of start-up) into a process that
/// otherwise never needs it (docs/design/edge-startup.md).
/// </summary>
internal static class RandomHex
{
    /// <summary><paramref name="length"/> hex digits (at most 24, all from random bits).</summary>
    public static string Next(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 24);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);

        // The last 8 bytes of a v4 GUID in big-endian order carry the variant bits only in their
        // first byte; the first 8 carry the version nibble. Skip both: bytes 0-5 and 9-15 are random.
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes, bigEndian: true, out _);
        Span<byte> random = stackalloc byte[13];
        bytes[..6].CopyTo(random);
        bytes[9..].CopyTo(random[6..]);
        return Convert.ToHexStringLower(random)[..length];
    }
}
