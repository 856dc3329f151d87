package piiprobe.audit;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.audit.metrics.PersonMetrics;
import piiprobe.engine.util.OwnerOnlyFiles;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's journal: one JSON line per finished batch, appended and flushed to disk (fsync) before
 * the next batch starts. A killed run loses at most the batch in flight, whose line is either absent
 * or torn: a torn last line is cut off when the journal is opened again, and the batch is redone.
 * Batches are fixed by the run's plan, so a redone batch gives what the lost one would have.
 */
public final class Journal implements AutoCloseable {
    /**
     * One generated row: the person's index in the data set, the prompt text and the continuation, and
     * the probability metrics measured for it (null when only exact match is measured).
     */
    public record Row(int person, String prompt, String continuation, int newTokens, PersonMetrics metrics) {
        public Row(int person, String prompt, String continuation, int newTokens) {
            this(person, prompt, continuation, newTokens, null);
        }
    }

    /** One batch of one setting: its number in the setting's plan and its rows in plan order. */
    public record Batch(String setting, int number, List<Row> rows) {
        public Batch {
            rows = List.copyOf(rows);
        }
    }

    public static final String FILE_NAME = "journal.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final List<Batch> batches;

    private Journal(Path file, FileChannel channel, List<Batch> batches) {
        this.file = file;
        this.channel = channel;
        this.batches = batches;
    }

    /** Opens (creating it owner-only if absent) the journal in {@code runDir} for appending. */
    public static Journal open(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE_NAME);
        if (!Files.exists(file)) OwnerOnlyFiles.createFile(file);
        List<Batch> batches = new ArrayList<>();
        long good = readInto(file, batches);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE);
        if (channel.size() > good) {
            channel.truncate(good);
            channel.force(true);
        }
        channel.position(good);
        return new Journal(file, channel, batches);
    }

    /** The batches of a journal, for re-scoring; a torn last line is ignored. */
    public static List<Batch> read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE_NAME);
        if (!Files.exists(file)) throw new UserError(runDir + " has no " + FILE_NAME + ": it is not a piiprobe run, or a redacted one (which keeps no generations)");
        List<Batch> batches = new ArrayList<>();
        readInto(file, batches);
        return batches;
    }

    /** Parses whole lines into {@code out}; returns the byte length of the intact part. */
    private static long readInto(Path file, List<Batch> out) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int start = 0, lineNumber = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') end++;
            lineNumber++;
            if (end == bytes.length) break; // no newline: a torn last line
            String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
            try {
                out.add(parse(JSON.readTree(line)));
            } catch (JacksonException | RuntimeException e) {
                boolean last = end + 1 >= bytes.length;
                if (last) break;
                throw new UserError(file + ":" + lineNumber + ": corrupt journal line; remove the run folder to start over");
            }
            start = end + 1;
        }
        return start;
    }

    private static Batch parse(JsonNode node) {
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : node.get("rows"))
            rows.add(new Row(r.get("person").intValue(), r.get("prompt").textValue(), r.get("continuation").textValue(),
                    r.get("new_tokens").intValue(), r.has("metrics") ? PersonMetrics.readFrom(r.get("metrics")) : null));
        return new Batch(node.get("setting").textValue(), node.get("batch").intValue(), rows);
    }

    /** The batches finished so far, in the order they were written. */
    public List<Batch> batches() {
        return List.copyOf(batches);
    }

    /** Appends a finished batch and forces it to disk; a journal that cannot be written (disk full) is a user error. */
    public void append(Batch batch) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("setting", batch.setting()).put("batch", batch.number());
        ArrayNode rows = o.putArray("rows");
        for (Row r : batch.rows()) {
            ObjectNode row = rows.addObject().put("person", r.person()).put("prompt", r.prompt())
                    .put("continuation", r.continuation()).put("new_tokens", r.newTokens());
            if (r.metrics() != null) r.metrics().writeTo(row.putObject("metrics"));
        }
        ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (line.hasRemaining()) channel.write(line);
            channel.force(false);
        } catch (IOException e) {
            // what was written of the line is torn, and cut off when the run is resumed
            throw new UserError("cannot write " + file + ": " + UserError.reason(e) + "; the batches before are kept: "
                    + "run the same command again to resume", e);
        }
        batches.add(batch);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
