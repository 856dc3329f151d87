package piiprobe.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.util.OwnerOnlyFiles;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalTest {
    @TempDir
    Path dir;

    private static Journal.Batch batch(int n) {
        return new Journal.Batch("zero-shot-a", n, List.of(new Journal.Row(n, "p\n\"" + n, "c \u2028 é " + n, 3)));
    }

    @Test
    void batchesSurviveReopeningAndATornLastLineIsCutOff() throws IOException {
        try (Journal j = Journal.open(dir)) {
            j.append(batch(0));
            j.append(batch(1));
        }
        assertEquals(OwnerOnlyFiles.FILE, Files.getPosixFilePermissions(dir.resolve(Journal.FILE_NAME)));
        long intact = Files.size(dir.resolve(Journal.FILE_NAME));
        Files.writeString(dir.resolve(Journal.FILE_NAME), "{\"setting\":\"zero-sh", StandardOpenOption.APPEND);
        try (Journal j = Journal.open(dir)) {
            assertEquals(List.of(batch(0), batch(1)), j.batches());
            assertEquals(intact, Files.size(dir.resolve(Journal.FILE_NAME)));
            j.append(batch(2));
        }
        assertEquals(List.of(batch(0), batch(1), batch(2)), Journal.read(dir));
    }

    @Test
    void aCorruptLineInTheMiddleIsAnError() throws IOException {
        try (Journal j = Journal.open(dir)) {
            j.append(batch(0));
        }
        Files.writeString(dir.resolve(Journal.FILE_NAME), "garbage\n" + Files.readString(dir.resolve(Journal.FILE_NAME)));
        UserError e = assertThrows(UserError.class, () -> Journal.open(dir));
        assertTrue(e.getMessage().endsWith("journal.jsonl:1: corrupt journal line; remove the run folder to start over"), e.getMessage());
    }
}
