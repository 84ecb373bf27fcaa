namespace SecureMqtt.Pki;

/// <summary>One file to write: its path, its contents, and whether it holds a secret.</summary>
/// <param name="Path">Where to write it.</param>
/// <param name="Contents">The bytes.</param>
/// <param name="IsSecret">True for private keys and PKCS#12 files: created readable and writable by the owner only (0600).</param>
public sealed record OutputFile(string Path, ReadOnlyMemory<byte> Contents, bool IsSecret)
{
    /// <summary>A text file (PEM, configuration), UTF-8 encoded.</summary>
    /// <param name="path">Where to write it.</param>
    /// <param name="text">The text.</param>
    /// <param name="isSecret">Whether it holds a secret.</param>
    public static OutputFile Text(string path, string text, bool isSecret = false) =>
        new(path, System.Text.Encoding.UTF8.GetBytes(text), isSecret);
}

/// <summary>
/// Writes key and certificate files safely: secrets are owner-only from the first byte, existing files are
/// kept unless overwriting is asked for, and a file is either completely written or not there at all.
/// </summary>
public static class PemFiles
{
    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Writes all <paramref name="files"/> or none: every target is checked before the first is written,
    /// and if a later write fails the files written so far are removed again.
    /// </summary>
    /// <param name="files">The files.</param>
    /// <param name="overwrite">Replace existing files. Without it an existing file is an error.</param>
    /// <exception cref="PkiException">A file exists and <paramref name="overwrite"/> is false, or a write failed.</exception>
    public static void WriteAll(IReadOnlyList<OutputFile> files, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (!overwrite)
        {
            foreach (var file in files.Where(f => File.Exists(f.Path)))
            {
                throw new PkiException($"{file.Path} already exists: keep it, choose another --dir, or pass --force to replace it.");
            }
        }

        var written = new List<string>();
        try
        {
            foreach (var file in files)
            {
                var existed = File.Exists(file.Path);
                Write(file, overwrite);
                if (!existed)
                {
                    written.Add(file.Path);
                }
            }
        }
        catch
        {
            foreach (var path in written)
            {
                TryDelete(path);
            }

            throw;
        }
    }

    /// <summary>Writes one file atomically (temporary file in the same directory, then rename).</summary>
    /// <param name="file">The file.</param>
    /// <param name="overwrite">Replace an existing file.</param>
    /// <exception cref="PkiException">The file exists and <paramref name="overwrite"/> is false, or the write failed.</exception>
    public static void Write(OutputFile file, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(file);
        var fullPath = Path.GetFullPath(file.Path);
        var directory = Path.GetDirectoryName(fullPath)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Set at open(2) so the key is never readable by others, not even between create and chmod.
                options.UnixCreateMode = file.IsSecret ? SecretMode : PublicMode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(file.Contents.Span);
                stream.Flush(flushToDisk: true);
            }

            // Without overwrite, the rename itself refuses an existing target, so a file that appeared meanwhile is kept.
            File.Move(temporary, fullPath, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(fullPath))
        {
            TryDelete(temporary);
            throw new PkiException($"{file.Path} already exists: keep it, choose another --dir, or pass --force to replace it.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new PkiException($"Cannot write {file.Path}: {ex.Message}", ex);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original error is the one worth reporting.
        }
    }
}
