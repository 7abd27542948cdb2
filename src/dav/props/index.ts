// The property registry: every RFC's handlers by Clark key, and the PROPFIND evaluation that
// computes only what was asked (allprop: the allprop set plus `include`; propname: names only).
import { qkey, type DavProperty, type Propstat, type PropSelection, type QName } from '../xml/index.js';
import { APPLE_PROPS } from './apple.js';
import { RFC3253_PROPS } from './rfc3253.js';
import { RFC3744_PROPS } from './rfc3744.js';
import { RFC4791_PROPS } from './rfc4791.js';
import { RFC4918_PROPS } from './rfc4918.js';
import { RFC6352_PROPS } from './rfc6352.js';
import { RFC6578_PROPS } from './rfc6578.js';
import { storedProps, type PropDef, type PropEnv, type Target } from './types.js';

const ALL: readonly PropDef[] = [...RFC4918_PROPS, ...RFC3744_PROPS, ...RFC3253_PROPS, ...RFC4791_PROPS, ...RFC6352_PROPS, ...RFC6578_PROPS, ...APPLE_PROPS];

export const REGISTRY: ReadonlyMap<string, PropDef> = new Map(ALL.map((d) => [qkey(d.name), d]));

function deadProps(t: Target) {
  return t.type === 'collection' ? storedProps(t.col).dead ?? {} : {};
}

/** Evaluates a selection on one target into propstats: 200 with values, 404 for the rest. */
export function evaluateProps(t: Target, select: PropSelection, env: PropEnv, omitNotFound: boolean): Propstat[] {
  const found: DavProperty[] = [];
  const missing: DavProperty[] = [];
  const evaluate = (name: QName) => {
    const key = qkey(name);
    const def = REGISTRY.get(key);
    if (def && def.applies(t)) {
      const answer = def.get(t, env);
      if (answer === null) missing.push({ name, value: { type: 'empty' } });
      else if ('value' in answer) found.push({ name, value: answer.value, attrs: answer.attrs });
      else found.push({ name, value: answer });
      return;
    }
    const dead = deadProps(t)[key];
    if (dead) found.push({ name, value: { type: 'dead', element: dead } });
    else missing.push({ name, value: { type: 'empty' } });
  };
  switch (select.type) {
    case 'prop':
      for (const p of select.props) evaluate(p);
      break;
    case 'allprop': {
      const asked = new Set<string>();
      for (const d of ALL) if (d.allprop && d.applies(t)) { asked.add(qkey(d.name)); evaluate(d.name); }
      for (const key of Object.keys(deadProps(t))) if (!asked.has(key)) { asked.add(key); evaluate(deadProps(t)[key]!); }
      for (const p of select.include) if (!asked.has(qkey(p))) evaluate(p);
      // allprop answers only what exists (RFC 4918 §9.1): a defined but empty property is left out.
      missing.length = 0;
      break;
    }
    case 'propname':
      for (const d of ALL) if (d.applies(t)) found.push({ name: d.name, value: { type: 'empty' } });
      for (const el of Object.values(deadProps(t))) found.push({ name: el, value: { type: 'empty' } });
      break;
    default: {
      const never: never = select;
      throw new Error(`unhandled selection ${JSON.stringify(never)}`);
    }
  }
  const out: Propstat[] = [];
  if (found.length > 0 || missing.length === 0) out.push({ status: 200, props: found });
  if (missing.length > 0 && !omitNotFound) out.push({ status: 404, props: missing });
  if (out.length === 0) out.push({ status: 200, props: [] }); // RFC 4918 §14.24: a response holds a propstat
  return out;
}

export type { PropEnv, Target } from './types.js';
