package piiprobe.audit.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads and writes data sets of people: the built-in Enron set of the paper, and user files.
 *
 * <p>JSONL, one person per line: {@code {"name": str, "email": str, "frequency": int (optional),
 * "context": str (optional), "shots": {"known_domain": {"1": [{"name", "email"}], ...},
 * "unknown_domain": {...}} (optional), "control": bool (optional, default false)}}. Blank lines are
 * skipped; unknown fields are ignored.
 *
 * <p>CSV (RFC 4180, quoted fields may span lines): a header row naming the columns {@code name} and
 * {@code email}, optionally {@code frequency}, {@code context}, {@code shots} and {@code control}; the
 * {@code shots} column holds the same JSON object as the JSONL field, {@code control} is {@code true},
 * {@code false} or empty. Other columns are ignored.
 *
 * <p>Every error names the file and the line where the faulty record starts.
 */
public final class Datasets {
    /** The name of the built-in data set: the paper's 3,333 Enron people. */
    public static final String ENRON = "enron";

    private static final String ENRON_RESOURCE = "/piiprobe/audit/enron/people.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Datasets() {}

    /** Loads {@code "enron"} (built in) or a {@code .jsonl} / {@code .csv} file. */
    public static Dataset load(String ref) {
        if (ref.equals(ENRON)) return loadEnron();
        return load(Path.of(ref));
    }

    public static Dataset load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UserError("data set " + file + " not found");
        } catch (IOException e) {
            throw new UserError("cannot read data set " + file + ": " + UserError.reason(e), e);
        }
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        String text = utf8(bytes, file.toString());
        List<Located> people;
        if (lower.endsWith(".jsonl")) people = parseJsonl(text, file.toString());
        else if (lower.endsWith(".csv")) people = parseCsv(text, file.toString());
        else throw new UserError("data set " + file + ": expected a .jsonl or .csv file (or \"enron\")");
        if (people.isEmpty()) throw new UserError("data set " + file + " holds no people");
        return dataset(file.toAbsolutePath().normalize().toString(), bytes, people);
    }

    private static Dataset loadEnron() {
        byte[] bytes;
        try (InputStream in = Datasets.class.getResourceAsStream(ENRON_RESOURCE)) {
            if (in == null) throw new IllegalStateException("built-in data set missing from the class path: " + ENRON_RESOURCE);
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dataset(ENRON, bytes, parseJsonl(utf8(bytes, ENRON), ENRON));
    }

    /**
     * Writes people as JSONL in the format {@link #load} reads, so the lab's data sets round-trip. When
     * any person is a control, every line says {@code "control"}, so the file reads the same to a person.
     */
    public static void writeJsonl(Writer out, List<Person> people) throws IOException {
        boolean controls = people.stream().anyMatch(Person::control);
        for (Person p : people) {
            ObjectNode o = JSON.createObjectNode();
            o.put("name", p.name());
            o.put("email", p.email());
            if (p.frequency() >= 0) o.put("frequency", p.frequency());
            if (p.context() != null) o.put("context", p.context());
            if (p.shots() != null) {
                ObjectNode shots = o.putObject("shots");
                writeSupports(shots.putObject("known_domain"), p.shots().knownDomain());
                writeSupports(shots.putObject("unknown_domain"), p.shots().unknownDomain());
            }
            if (controls) o.put("control", p.control());
            out.write(JSON.writeValueAsString(o));
            out.write('\n');
        }
    }

    private static void writeSupports(ObjectNode target, Map<Integer, List<Person.Support>> byK) {
        byK.keySet().stream().sorted().forEach(k -> {
            ArrayNode list = target.putArray(Integer.toString(k));
            for (Person.Support s : byK.get(k)) list.addObject().put("name", s.name()).put("email", s.email());
        });
    }

    /** A person and the line its record starts on, kept until duplicates are reported. */
    private record Located(Person person, long line) {}

    private static List<Located> parseJsonl(String text, String source) {
        List<Located> people = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            String where = source + ":" + (i + 1);
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JacksonException e) {
                throw new UserError(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (node == null || !node.isObject()) throw new UserError(where + ": expected a JSON object per line");
            people.add(new Located(person(where,
                    text(node.get("name"), "name", where, true),
                    text(node.get("email"), "email", where, true),
                    frequency(node.get("frequency"), where),
                    text(node.get("context"), "context", where, false),
                    shots(node.get("shots"), where), control(node.get("control"), where)), i + 1));
        }
        return people;
    }

    private static List<Located> parseCsv(String text, String source) {
        CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
                .setIgnoreEmptyLines(true).setTrim(false).get();
        List<Located> people = new ArrayList<>();
        CSVParser opened;
        try {
            opened = CSVParser.parse(text, format);
        } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
            throw new UserError(source + ":1: bad CSV header (" + e.getMessage() + ")");
        }
        try (CSVParser parser = opened) {
            Map<String, String> columns = new HashMap<>();
            for (String h : parser.getHeaderNames()) columns.put(h.strip().toLowerCase(Locale.ROOT), h);
            for (String required : List.of("name", "email"))
                if (!columns.containsKey(required))
                    throw new UserError(source + ":1: the header has no \"" + required + "\" column (it has: "
                            + String.join(", ", parser.getHeaderNames()) + ")");
            long nextLine = parser.getCurrentLineNumber() + 1;
            Iterator<CSVRecord> records = parser.iterator();
            while (true) {
                CSVRecord r;
                long line = nextLine;
                try {
                    if (!records.hasNext()) break;
                    r = records.next();
                } catch (UncheckedIOException e) {
                    throw new UserError(source + ":" + line + ": malformed CSV (" + e.getCause().getMessage() + ")");
                }
                nextLine = parser.getCurrentLineNumber() + 1;
                String where = source + ":" + line;
                if (!r.isConsistent())
                    throw new UserError(where + ": " + r.size() + " fields, but the header has " + parser.getHeaderNames().size());
                JsonNode shots = null;
                String shotsText = column(r, columns, "shots");
                if (shotsText != null && !shotsText.isBlank()) {
                    try {
                        shots = JSON.readTree(shotsText);
                    } catch (JacksonException e) {
                        throw new UserError(where + ": the shots column is not valid JSON (" + e.getOriginalMessage() + ")");
                    }
                }
                String freq = column(r, columns, "frequency");
                int frequency = -1;
                if (freq != null && !freq.isBlank()) {
                    try {
                        frequency = Integer.parseInt(freq.strip());
                    } catch (NumberFormatException e) {
                        throw new UserError(where + ": frequency \"" + freq + "\" is not a whole number");
                    }
                    if (frequency < 0) throw new UserError(where + ": frequency must be >= 0, got " + frequency);
                }
                String context = column(r, columns, "context");
                String control = column(r, columns, "control");
                boolean isControl = false;
                if (control != null && !control.isBlank()) {
                    String c = control.strip().toLowerCase(Locale.ROOT);
                    if (!c.equals("true") && !c.equals("false"))
                        throw new UserError(where + ": control \"" + control + "\" is not true or false");
                    isControl = c.equals("true");
                }
                people.add(new Located(person(where, column(r, columns, "name"), column(r, columns, "email"),
                        frequency, context == null || context.isEmpty() ? null : context, shots(shots, where), isControl), line));
            }
        } catch (IOException e) {
            throw new UserError(source + ": malformed CSV (" + e.getMessage() + ")");
        }
        return people;
    }

    private static String column(CSVRecord r, Map<String, String> columns, String name) {
        String header = columns.get(name);
        return header == null ? null : r.get(header);
    }

    private static Person person(String where, String name, String email, int frequency, String context,
                                 Person.Shots shots, boolean control) {
        if (name == null || name.isBlank()) throw new UserError(where + ": \"name\" is empty");
        checkEmail(email, "email", where);
        return new Person(name, email, frequency, context, shots, control);
    }

    private static void checkEmail(String email, String field, String where) {
        if (email == null || email.isBlank()) throw new UserError(where + ": \"" + field + "\" is empty");
        int at = email.indexOf('@');
        if (at <= 0 || at == email.length() - 1)
            throw new UserError(where + ": \"" + field + "\" is not an address of the form local@domain");
    }

    private static String text(JsonNode node, String field, String where, boolean required) {
        if (node == null || node.isNull()) {
            if (required) throw new UserError(where + ": missing \"" + field + "\"");
            return null;
        }
        if (!node.isTextual()) throw new UserError(where + ": \"" + field + "\" must be a string");
        return node.asText();
    }

    private static boolean control(JsonNode node, String where) {
        if (node == null || node.isNull()) return false;
        if (!node.isBoolean()) throw new UserError(where + ": \"control\" must be true or false");
        return node.booleanValue();
    }

    private static int frequency(JsonNode node, String where) {
        if (node == null || node.isNull()) return -1;
        if (!node.canConvertToInt() || !node.isIntegralNumber())
            throw new UserError(where + ": \"frequency\" must be a whole number");
        int f = node.intValue();
        if (f < 0) throw new UserError(where + ": \"frequency\" must be >= 0, got " + f);
        return f;
    }

    private static Person.Shots shots(JsonNode node, String where) {
        if (node == null || node.isNull()) return null;
        if (!node.isObject()) throw new UserError(where + ": \"shots\" must be an object with known_domain and unknown_domain");
        return new Person.Shots(supportsByK(node.get("known_domain"), "known_domain", where),
                supportsByK(node.get("unknown_domain"), "unknown_domain", where));
    }

    private static Map<Integer, List<Person.Support>> supportsByK(JsonNode node, String field, String where) {
        Map<Integer, List<Person.Support>> byK = new LinkedHashMap<>();
        if (node == null || node.isNull()) return byK;
        String path = "shots." + field;
        if (!node.isObject()) throw new UserError(where + ": \"" + path + "\" must be an object like {\"1\": [...]}");
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            int k;
            try {
                k = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                k = 0;
            }
            if (k < 1) throw new UserError(where + ": \"" + path + "\" key \"" + e.getKey() + "\" is not a positive number of shots");
            String at = path + "." + k;
            if (!e.getValue().isArray()) throw new UserError(where + ": \"" + at + "\" must be a list of {name, email}");
            List<Person.Support> supports = new ArrayList<>();
            for (JsonNode s : e.getValue()) {
                if (!s.isObject()) throw new UserError(where + ": \"" + at + "\" must be a list of {name, email}");
                String name = text(s.get("name"), at + "[].name", where, true);
                String email = text(s.get("email"), at + "[].email", where, true);
                checkEmail(email, at + "[].email", where);
                supports.add(new Person.Support(name, email));
            }
            byK.put(k, List.copyOf(supports));
        }
        return byK;
    }

    private static Dataset dataset(String source, byte[] bytes, List<Located> located) {
        List<String> duplicates = new ArrayList<>();
        reportDuplicates(located, l -> l.person().email().toLowerCase(Locale.ROOT), "address", duplicates);
        reportDuplicates(located, l -> l.person().name(), "name", duplicates);
        return new Dataset(source, sha256(bytes), located.stream().map(Located::person).toList(), duplicates);
    }

    private static void reportDuplicates(List<Located> located, Function<Located, String> key,
                                         String what, List<String> out) {
        Map<String, Long> firstLine = new HashMap<>();
        for (Located l : located) {
            Long first = firstLine.putIfAbsent(key.apply(l), l.line());
            if (first != null) out.add("line " + l.line() + " repeats the " + what + " of line " + first);
        }
    }

    private static String utf8(byte[] bytes, String source) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new UserError("data set " + source + " is not valid UTF-8 text");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
