package piiprobe.lab;

import org.junit.jupiter.api.Test;
import piiprobe.engine.UserError;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabPresetTest {
    @Test
    void findsPresetsByNameAndNamesThemAllWhenAskedForAnUnknownOne() {
        assertEquals("default", LabPreset.named(LabPreset.DEFAULT).name());
        assertTrue(LabPreset.names().containsAll(java.util.List.of("ci", "default", "full")));
        UserError e = assertThrows(UserError.class, () -> LabPreset.named("huge"));
        assertEquals("unknown preset \"huge\": choose one of ci, default, full", e.getMessage());
    }

    @Test
    void everyPresetsModelFitsItsTokenizerTrainingAndPrompts() {
        for (String name : LabPreset.names()) {
            LabPreset p = LabPreset.named(name);
            assertEquals(p.vocabSize(), p.model().vocabSize(), name);
            assertEquals(p.model().positions(), p.training().seq(), name + " trains on every position it has");
            assertTrue(p.model().positions() >= 100 + 100, name + ": context-100 plus 100 new tokens fit");
        }
    }

    @Test
    void aSeedChangesOnlyTheSeed() {
        LabPreset p = LabPreset.named("ci"), q = p.withSeed(7);
        assertEquals(7, q.corpus().seed());
        assertEquals(7, q.training().seed());
        assertEquals(p.training().steps(), q.training().steps());
        assertEquals(p.model(), q.model());
        assertEquals(p.settings(), q.settings());
        assertEquals(p.corpus().people(), q.corpus().people());
        assertEquals(p.corpus().frequencyCap(), q.corpus().frequencyCap());
        assertEquals(p.vocabSize(), q.vocabSize());
    }
}
