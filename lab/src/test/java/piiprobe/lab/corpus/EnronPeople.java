package piiprobe.lab.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.audit.data.Person;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The built-in Enron people, read with a few lines of Jackson until the audit's loader is on main. */
final class EnronPeople {
    private static List<Person> cached;

    static synchronized List<Person> all() {
        if (cached != null) return cached;
        ObjectMapper mapper = new ObjectMapper();
        List<Person> out = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                EnronPeople.class.getResourceAsStream("/piiprobe/audit/enron/people.jsonl"), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                JsonNode n = mapper.readTree(line);
                JsonNode f = n.get("frequency"), s = n.get("shots");
                out.add(new Person(n.get("name").asText(), n.get("email").asText(),
                        f == null || f.isNull() ? -1 : f.asInt(), null,
                        s == null || s.isNull() ? null : new Person.Shots(supports(s.get("known_domain")), supports(s.get("unknown_domain")))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cached = List.copyOf(out);
    }

    private static Map<Integer, List<Person.Support>> supports(JsonNode byK) {
        Map<Integer, List<Person.Support>> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : byK.properties()) {
            List<Person.Support> list = new ArrayList<>();
            for (JsonNode s : e.getValue()) list.add(new Person.Support(s.get("name").asText(), s.get("email").asText()));
            out.put(Integer.parseInt(e.getKey()), list);
        }
        return out;
    }
}
