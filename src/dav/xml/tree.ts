// Builds the XmlElement tree from reader events (open, character data, close). Shared by both
// readers of reader.ts, so the plain-subset reader and saxes cannot disagree on how character
// data, indentation and mixed content end up in the tree (element.ts describes the model).

export interface Building {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: Building[];
  text: string;
  tail?: string;
}

/** Reader state of one open element. */
interface Frame {
  readonly el: Building;
  /** Non-whitespace character data seen directly inside: the content is mixed, keep it all. */
  mixed: boolean;
  /** Character data after child i, attached to the children only if the content is mixed. */
  tails: string[] | null;
}

export class TreeBuilder {
  private readonly stack: Frame[] = [];
  root: Building | null = null;

  /** Open elements; the root is depth 1. */
  get depth(): number {
    return this.stack.length;
  }

  open(ns: string, name: string, attrs: Record<string, string>): void {
    const el: Building = { ns, name, attrs, children: [], text: '' };
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.el.children.push(el);
    else this.root = el;
    this.stack.push({ el, mixed: false, tails: null });
  }

  /** Character data; outside the root it is ignored (only whitespace can be there). */
  text(data: string): void {
    const frame = this.stack[this.stack.length - 1];
    if (!frame) return;
    if (!frame.mixed && !isBlank(data)) frame.mixed = true;
    const n = frame.el.children.length;
    if (n === 0) {
      frame.el.text += data;
      return;
    }
    frame.tails ??= [];
    frame.tails[n - 1] = (frame.tails[n - 1] ?? '') + data;
  }

  close(): void {
    const frame = this.stack.pop();
    if (frame) finish(frame);
  }
}

/** Drops the indentation between child elements unless the content is mixed. */
function finish(frame: Frame): void {
  const { el, tails } = frame;
  if (el.children.length === 0) return;
  if (!frame.mixed) {
    el.text = '';
    return;
  }
  if (tails) {
    tails.forEach((tail, i) => {
      const child = el.children[i];
      if (child && tail) child.tail = tail;
    });
  }
}

export function isBlank(s: string): boolean {
  return /^[\s]*$/.test(s);
}
