package org.cvtzoo.notebook;

import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The cells run in this session, for Jupyter's history requests (tail, range and search). */
final class CellHistory implements HistoryManager {
    static final int SESSION = 1;

    private record Cell(int number, String input, String output) {
    }

    private final List<Cell> cells = new ArrayList<>();

    synchronized void add(int number, String input, String output) {
        cells.add(new Cell(number, input, output));
    }

    @Override
    public synchronized List<HistoryEntry> lookupTail(int length, Set<ResultFlag> flags) {
        int from = Math.max(0, cells.size() - Math.max(0, length));
        return entries(cells.subList(from, cells.size()), flags);
    }

    @Override
    public synchronized List<HistoryEntry> lookupRange(int session, int start, int stop, Set<ResultFlag> flags) {
        // session 0 and this session's number both mean this session; others are not kept
        if (session != 0 && session != SESSION) return List.of();
        return entries(cells.stream().filter(c -> c.number >= start && (stop <= 0 || c.number < stop)).toList(), flags);
    }

    @Override
    public synchronized List<HistoryEntry> search(String pattern, int length, Set<ResultFlag> flags) {
        // the pattern is a glob over the whole input, as IPython's history search takes it
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + (pattern == null || pattern.isEmpty() ? "*" : pattern));
        List<Cell> hits = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = cells.size() - 1; i >= 0; i--) {
            Cell c = cells.get(i);
            if (!matches(m, c.input)) continue;
            if (flags.contains(ResultFlag.UNIQUE) && !seen.add(c.input)) continue;
            hits.add(0, c);
            if (length > 0 && hits.size() >= length) break;
        }
        return entries(hits, flags);
    }

    private static boolean matches(PathMatcher m, String input) {
        // a Path cannot hold every string (NUL); such inputs never match
        try {
            return m.matches(Path.of(input.replace('/', '\u2215')));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static List<HistoryEntry> entries(List<Cell> cells, Set<ResultFlag> flags) {
        boolean output = flags.contains(ResultFlag.INCLUDE_OUTPUT);
        return cells.stream().map(c -> new HistoryEntry(SESSION, c.number, c.input,
                output ? (c.output == null ? "" : c.output) : null)).toList();
    }
}
