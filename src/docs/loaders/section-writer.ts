import type {TextSegment} from "../document-types.js";

/**
 * Collects a word-processing document's blocks into segments, one per heading: the heading becomes the
 * segment's `section` and a Markdown `#` line (as html-to-text writes them), so chunks keep their section.
 */
export class SectionWriter {
  private readonly segments: TextSegment[] = [];
  private blocks: string[] = [];
  private section: string | undefined;

  heading(text: string, level: number): void {
    this.flush();
    this.section = text.replace(/\s+/g, " ");
    this.blocks.push(`${"#".repeat(Math.min(Math.max(level, 1), 6))} ${this.section}`);
  }

  /** A paragraph, list item or table (rows joined by newlines); blocks are separated by a blank line. */
  block(text: string): void {
    this.blocks.push(text);
  }

  finish(): TextSegment[] {
    this.flush();
    return this.segments;
  }

  private flush(): void {
    if (this.blocks.length > 0) {
      const text = this.blocks.join("\n\n");
      this.segments.push(this.section == null ? {text} : {text, section: this.section});
    }
    this.blocks = [];
  }
}
