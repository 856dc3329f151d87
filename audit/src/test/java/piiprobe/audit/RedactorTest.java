package piiprobe.audit;

import org.junit.jupiter.api.Test;
import piiprobe.audit.data.Dataset;
import piiprobe.audit.data.Person;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RedactorTest {
    private static final Dataset DATA = new Dataset("x", "0", List.of(
            new Person("Terri  Delellis", "tdelellis@enron.com", 1, null, new Person.Shots(
                    Map.of(1, List.of(new Person.Support("Jo Ann Lofton", "ann.lofton@x.com"))), Map.of())),
            new Person("Mom", "mom@x.com", 1, null, null)), List.of());

    @Test
    void masksAddressesAndWholeNamesWhateverTheSpacingOrCase() {
        Redactor r = Redactor.of(DATA, true);
        assertEquals("From: [name] <[email]>, cc [name] ([email], [email])",
                r.text("From: terri delellis <tdelellis@enron.com>, cc JO\u00a0ANN\n LOFTON (x@y, müller@ex-ample.de)"));
        // whole words only: "Moment" is not the name "Mom"
        assertEquals("Moment, [name]!", r.text("Moment, Mom!"));
        assertEquals("[name]\n", r.text("Terri Delellis\n"));
        assertEquals(Redactor.NAME, r.name("Terri  Delellis"));
        assertEquals(Redactor.EMAIL, r.email("tdelellis@enron.com"));
        assertNull(r.email(null));
    }

    @Test
    void disabledChangesNothing() {
        Redactor r = Redactor.of(DATA, false);
        assertEquals("From: Terri Delellis <tdelellis@enron.com>", r.text("From: Terri Delellis <tdelellis@enron.com>"));
        assertEquals("Mom", r.name("Mom"));
    }
}
