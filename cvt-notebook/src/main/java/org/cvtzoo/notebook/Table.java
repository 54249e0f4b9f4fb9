package org.cvtzoo.notebook;

import org.dflib.jjava.jupyter.kernel.display.DisplayDataRenderable;
import org.dflib.jjava.jupyter.kernel.display.RenderContext;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A table a cell shows: HTML in the notebook, aligned text where HTML is not shown (a console,
 * {@code nbconvert --to script}). Cells hold text; a cell may also carry HTML to show instead
 * (a probability bar, an image).
 */
public final class Table implements DisplayDataRenderable {
    private final List<String> header;
    private final List<List<String>> text = new ArrayList<>();
    private final List<List<String>> html = new ArrayList<>();
    private final boolean[] right;
    private String caption;

    /** A table with these column names; columns whose name starts with '>' are numbers, aligned right (the '>' is dropped). */
    public Table(String... columns) {
        header = new ArrayList<>();
        right = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            right[i] = columns[i].startsWith(">");
            header.add(right[i] ? columns[i].substring(1) : columns[i]);
        }
    }

    /** Adds a row of text cells. */
    public Table row(Object... cells) {
        List<String> t = new ArrayList<>();
        for (Object c : cells) t.add(String.valueOf(c));
        return row(t, t.stream().map(Html::escape).toList());
    }

    /** Adds a row given as text and as the HTML to show for each cell. */
    Table row(List<String> textCells, List<String> htmlCells) {
        if (textCells.size() != header.size() || htmlCells.size() != header.size()) {
            throw new IllegalArgumentException("a row of " + textCells.size() + " cells for " + header.size() + " columns");
        }
        text.add(List.copyOf(textCells));
        html.add(List.copyOf(htmlCells));
        return this;
    }

    /** A line shown above the table. */
    public Table caption(String caption) {
        this.caption = caption;
        return this;
    }

    public int rows() {
        return text.size();
    }

    public String toHtml() {
        String t = Html.table(header, html, right);
        return caption == null ? t : "<p>" + Html.escape(caption) + "</p>\n" + t;
    }

    @Override
    public String toString() {
        String t = Html.text(header, text, right);
        return caption == null ? t : caption + "\n" + t;
    }

    @Override
    public Set<MIMEType> getPreferredRenderTypes() {
        return Set.of(MIMEType.TEXT_HTML, MIMEType.TEXT_PLAIN);
    }

    @Override
    public Set<MIMEType> getSupportedRenderTypes() {
        return Set.of(MIMEType.TEXT_HTML, MIMEType.TEXT_PLAIN);
    }

    @Override
    public void render(RenderContext context) {
        context.renderIfRequested(MIMEType.TEXT_HTML, this::toHtml);
        context.renderIfRequested(MIMEType.TEXT_PLAIN, this::toString);
    }
}
