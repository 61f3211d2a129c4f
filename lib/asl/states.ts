/**
 * The one walk over an ASL definition: every state, the states of Map processors and Parallel branches included.
 * Used by the local task binding, the subset check, the local runner, the alarm-rule task map and the cost model.
 */
export interface AslMachine<S = Record<string, unknown>> {
  StartAt?: string;
  States?: Record<string, S>;
}

export interface VisitedState<S> {
  name: string;
  /** Where it is: `Clean/CleanObjects` inside a Map, `Fork[1]/Step` in a Parallel's second branch. */
  path: string;
  state: S;
}

/** A Map's processor (`ItemProcessor`, or the older `Iterator`), if the state is a Map. */
export function mapProcessor<S>(state: { Type?: unknown; ItemProcessor?: unknown; Iterator?: unknown }): (AslMachine<S> & { ProcessorConfig?: { Mode?: string } }) | undefined {
  return state.Type === 'Map' ? ((state.ItemProcessor ?? state.Iterator) as (AslMachine<S> & { ProcessorConfig?: { Mode?: string } }) | undefined) : undefined;
}

/** Every state depth-first in definition order; a nested state comes right after the state that holds it. */
export function* allStates<S extends Record<string, unknown>>(machine: AslMachine<S>, scope = ''): Generator<VisitedState<S>> {
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    const path = `${scope}${name}`;
    yield { name, path, state };
    const processor = mapProcessor<S>(state);
    if (processor) yield* allStates(processor, `${path}/`);
    if (state.Type === 'Parallel') {
      const branches = (state.Branches ?? []) as Array<AslMachine<S>>;
      for (const [i, b] of branches.entries()) yield* allStates(b, `${path}[${i}]/`);
    }
  }
}
