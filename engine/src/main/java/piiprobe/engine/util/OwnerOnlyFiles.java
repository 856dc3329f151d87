package piiprobe.engine.util;

import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files that hold people's data, or a model trained on it: created readable by their owner only
 * ({@code rw-------}, folders {@code rwx------}) and written whole or not at all. A write goes to a
 * temporary file beside the target, is forced to disk, renamed over the target, and the folder is
 * forced too, so that after a crash the file is either the old one or the new one, never half of
 * one, and the rename itself is not lost.
 *
 * <p>A file or folder that cannot be written is a {@link UserError} naming it and the reason (a file
 * where a folder should be, permission denied, disk full): the user can fix it.
 */
public final class OwnerOnlyFiles {
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    /** What a streamed write puts into the file (the channel is the temporary file's). */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    private OwnerOnlyFiles() {}

    /** Creates {@code dir} and its missing parents; the folders created are owner-only. */
    public static void createDirectories(Path dir) {
        createDirectories(dir.toAbsolutePath().normalize(), dir);
    }

    /** Creates {@code folder} (absolute) and its missing parents; errors name {@code asked}, the folder the caller wanted. */
    private static void createDirectories(Path folder, Path asked) {
        if (Files.isDirectory(folder)) return;
        if (Files.exists(folder)) throw new UserError("cannot create the folder " + asked + ": " + folder + " is a file");
        Path parent = folder.getParent();
        if (parent != null) createDirectories(parent, asked);
        try {
            Files.createDirectory(folder, attributes(folder, DIRECTORY));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(folder)) throw new UserError("cannot create the folder " + asked + ": " + folder + " is a file");
        } catch (IOException e) {
            throw new UserError("cannot create the folder " + asked + ": " + UserError.reason(e), e);
        }
    }

    /** Writes {@code text} as UTF-8. */
    public static void write(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] bytes) {
        write(file, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
        });
    }

    /** Writes what {@code content} puts into the channel; missing parent folders are created owner-only. */
    public static void write(Path file, Content content) {
        Path folder = file.toAbsolutePath().normalize().getParent();
        if (folder != null) createDirectories(folder);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        boolean moved = false;
        try {
            Files.deleteIfExists(tmp);
            try (FileChannel channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    attributes(tmp, FILE))) {
                content.writeTo(channel);
                channel.force(true); // the data is on disk before the rename makes it visible
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + UserError.reason(e), e);
        } finally {
            if (!moved) deleteQuietly(tmp);
        }
        if (folder != null) syncDirectory(folder);
    }

    /** Creates an empty owner-only file, and makes its entry in the folder survive a crash; fails if it exists. */
    public static void createFile(Path file) {
        try {
            Files.createFile(file, attributes(file, FILE));
        } catch (IOException e) {
            throw new UserError("cannot create " + file + ": " + UserError.reason(e), e);
        }
        Path folder = file.toAbsolutePath().getParent();
        if (folder != null) syncDirectory(folder);
    }

    /** Makes a folder's new entries (a created or renamed file) survive a crash; best effort where unsupported. */
    public static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // some file systems cannot open or sync a folder; the rename itself stays atomic
        }
    }

    /** Owner-only permissions where the file system has POSIX permissions; none elsewhere. */
    private static FileAttribute<?>[] attributes(Path path, Set<PosixFilePermission> permissions) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a stray .tmp is replaced by the next write
        }
    }
}
