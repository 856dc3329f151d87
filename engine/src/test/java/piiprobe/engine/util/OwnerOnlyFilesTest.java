package piiprobe.engine.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OwnerOnlyFilesTest {
    @TempDir
    Path dir;

    @Test
    void writesOwnerOnlyFilesAndCreatesMissingFoldersOwnerOnly() throws IOException {
        Path file = dir.resolve("a").resolve("b").resolve("people.jsonl");
        OwnerOnlyFiles.write(file, "ann\n");
        assertEquals("ann\n", Files.readString(file));
        assertEquals(OwnerOnlyFiles.FILE, Files.getPosixFilePermissions(file));
        assertEquals(OwnerOnlyFiles.DIRECTORY, Files.getPosixFilePermissions(dir.resolve("a")));
        assertEquals(OwnerOnlyFiles.DIRECTORY, Files.getPosixFilePermissions(dir.resolve("a").resolve("b")));

        OwnerOnlyFiles.write(file, "bo\n");
        assertEquals("bo\n", Files.readString(file), "replaced");
        assertEquals(OwnerOnlyFiles.FILE, Files.getPosixFilePermissions(file));
        assertEquals(1, entries(file.getParent()), "no temporary file left");
    }

    @Test
    void aWriteThatFailsHalfWayLeavesTheOldFileWhole() throws IOException {
        Path file = dir.resolve("summary.json");
        OwnerOnlyFiles.write(file, "old");
        IllegalStateException crash = assertThrows(IllegalStateException.class, () -> OwnerOnlyFiles.write(file, channel -> {
            channel.write(ByteBuffer.wrap("half of the new".getBytes()));
            throw new IllegalStateException("crash");
        }));
        assertEquals("crash", crash.getMessage());
        assertEquals("old", Files.readString(file));
        assertEquals(1, entries(dir), "the temporary file is removed");
    }

    @Test
    void aFileWhereAFolderShouldBeIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        UserError e = assertThrows(UserError.class, () -> OwnerOnlyFiles.write(file.resolve("run").resolve("config.json"), "{}"));
        assertEquals("cannot create the folder " + file.resolve("run") + ": " + file + " is a file", e.getMessage());
        e = assertThrows(UserError.class, () -> OwnerOnlyFiles.createDirectories(file));
        assertEquals("cannot create the folder " + file + ": " + file + " is a file", e.getMessage());
    }

    @Test
    void aFolderWhereTheFileShouldBeIsAUserError() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("report.html"));
        Files.writeString(folder.resolve("keep"), "x");
        UserError e = assertThrows(UserError.class, () -> OwnerOnlyFiles.write(folder, "<html>"));
        assertTrue(e.getMessage().startsWith("cannot write " + folder + ": "), e.getMessage());
        assertEquals("x", Files.readString(folder.resolve("keep")));
    }

    @Test
    void createFileMakesAnEmptyOwnerOnlyFileOnce() throws IOException {
        Path file = dir.resolve("journal.jsonl");
        OwnerOnlyFiles.createFile(file);
        assertEquals(0, Files.size(file));
        assertEquals(OwnerOnlyFiles.FILE, Files.getPosixFilePermissions(file));
        UserError e = assertThrows(UserError.class, () -> OwnerOnlyFiles.createFile(file));
        assertEquals("cannot create " + file + ": " + file + " exists already", e.getMessage());
    }

    private static long entries(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.count();
        }
    }
}
