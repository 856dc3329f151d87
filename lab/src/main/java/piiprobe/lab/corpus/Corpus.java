package piiprobe.lab.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.audit.data.Person;
import piiprobe.engine.util.OwnerOnlyFiles;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A generated training corpus with planted addresses, and what the audit needs to know about it.
 *
 * <p>{@link #documents()} is the training text, one email thread per document, in a seeded order;
 * {@code ByteLevelBpe.encodeDocuments} turns it into the token stream a model trains on. Every address
 * written into it is an {@link Occurrence} of one of the {@link #planted()} people. The
 * {@link #controls()} never appear in it: their addresses are written only into
 * {@link #heldOutDocuments()}, a second corpus made the same way and never trained on, which gives the
 * controls contexts of the same kind as the planted people's, and the trainer a validation set.
 */
public final class Corpus {
    /** Address of person {@code person} written at char {@code offset} of document {@code document}. */
    public record Occurrence(int person, int document, int offset) {}

    private final CorpusSpec spec;
    private final List<Person> planted;
    private final List<Person> controls;
    private final List<String> documents;
    private final List<Occurrence> occurrences;
    private final List<String> heldOutDocuments;
    private final List<Occurrence> heldOutOccurrences;

    Corpus(CorpusSpec spec, List<Person> planted, List<Person> controls, List<String> documents,
           List<Occurrence> occurrences, List<String> heldOutDocuments, List<Occurrence> heldOutOccurrences) {
        this.spec = spec;
        this.planted = List.copyOf(planted);
        this.controls = List.copyOf(controls);
        this.documents = List.copyOf(documents);
        this.occurrences = List.copyOf(occurrences);
        this.heldOutDocuments = List.copyOf(heldOutDocuments);
        this.heldOutOccurrences = List.copyOf(heldOutOccurrences);
    }

    public CorpusSpec spec() {
        return spec;
    }

    /** The people whose addresses the corpus holds, as the data set gave them. */
    public List<Person> planted() {
        return planted;
    }

    /** The people held out of the corpus, as the data set gave them. */
    public List<Person> controls() {
        return controls;
    }

    public List<String> documents() {
        return documents;
    }

    /** Every address in {@link #documents()}, in document order; {@code person} indexes {@link #planted()}. */
    public List<Occurrence> occurrences() {
        return occurrences;
    }

    public List<String> heldOutDocuments() {
        return heldOutDocuments;
    }

    /** Every address in {@link #heldOutDocuments()}; {@code person} indexes {@link #controls()}. */
    public List<Occurrence> heldOutOccurrences() {
        return heldOutOccurrences;
    }

    /** The text before {@code o} in its document (of the training corpus), at most its last {@code maxChars}. */
    public String context(Occurrence o, int maxChars) {
        return preceding(documents.get(o.document()), o.offset(), maxChars);
    }

    /** The text before {@code o} in its held-out document, at most its last {@code maxChars}. */
    public String heldOutContext(Occurrence o, int maxChars) {
        return preceding(heldOutDocuments.get(o.document()), o.offset(), maxChars);
    }

    private static String preceding(String document, int offset, int maxChars) {
        int from = Math.max(0, offset - maxChars);
        // Never start inside a surrogate pair: the context must be valid text.
        if (from > 0 && Character.isLowSurrogate(document.charAt(from))) from++;
        return document.substring(from, offset);
    }

    /** Characters in the training documents. */
    public long characters() {
        return documents.stream().mapToLong(String::length).sum();
    }

    /**
     * Writes the training documents as JSONL, one {@code {"text": ...}} per line, the layout Hugging
     * Face's datasets library reads; the file is written whole or not at all.
     */
    public void write(Path file) {
        ObjectMapper mapper = new ObjectMapper();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, characters() + 16L * documents.size()));
        try {
            for (String d : documents) {
                out.writeBytes(mapper.writeValueAsBytes(Map.of("text", d)));
                out.write('\n');
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);  // a map of one string always serializes
        }
        OwnerOnlyFiles.write(file, out.toByteArray());
    }
}
