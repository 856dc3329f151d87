package piiprobe.audit.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RankTest {

    @Test
    void theTruthsPlaceByLogProbability() {
        double[] lp = {-3, -1, -5, -2};
        assertEquals(new Rank(3, 4), Rank.of(lp, 0));
        assertEquals(new Rank(1, 4), Rank.of(lp, 1));
        assertEquals(new Rank(4, 4), Rank.of(lp, 2));
    }

    @Test
    void tiesCountAgainstTheTruth() {
        assertEquals(2, Rank.of(new double[] {-1, -1, -4}, 0).rank());
        assertEquals(3, Rank.of(new double[] {-2, -2, -2}, 1).rank(), "all alike: the truth comes last");
    }

    @Test
    void notANumberRanksBelowEveryNumber() {
        assertEquals(3, Rank.of(new double[] {Double.NaN, -9, -1}, 0).rank());
        assertEquals(1, Rank.of(new double[] {-9, Double.NaN}, 0).rank());
    }

    @Test
    void exposureIsLog2CandidatesOverRank() {
        assertEquals(5, new Rank(1, 32).exposure(), 1e-12);
        assertEquals(3, new Rank(4, 32).exposure(), 1e-12);
        assertEquals(0, new Rank(7, 7).exposure(), 1e-12);
        assertEquals(Math.log(10) / Math.log(2) - Math.log(3) / Math.log(2), new Rank(3, 10).exposure(), 1e-12);
        assertEquals(0.25, new Rank(4, 10).reciprocal());
    }

    @Test
    void aRankOutsideItsCandidatesIsABug() {
        assertThrows(IllegalArgumentException.class, () -> new Rank(0, 3));
        assertThrows(IllegalArgumentException.class, () -> new Rank(4, 3));
    }
}
