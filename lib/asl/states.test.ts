import { expect, test } from '@jest/globals';
import { allStates, mapProcessor } from './states';

const machine = {
  StartAt: 'A',
  States: {
    A: { Type: 'Pass', Next: 'M' },
    M: { Type: 'Map', ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task' } } }, Next: 'P' },
    P: { Type: 'Parallel', Branches: [{ States: { B0: { Type: 'Task' } } }, { States: { B1: { Type: 'Map', Iterator: { States: { I: { Type: 'Task' } } } } } }], End: true },
  },
};

test('every state, nested Map processors (ItemProcessor or Iterator) and Parallel branches included, with its path', () => {
  expect([...allStates(machine)].map((v) => [v.path, v.name, v.state.Type])).toEqual([
    ['A', 'A', 'Pass'],
    ['M', 'M', 'Map'],
    ['M/T', 'T', 'Task'],
    ['P', 'P', 'Parallel'],
    ['P[0]/B0', 'B0', 'Task'],
    ['P[1]/B1', 'B1', 'Map'],
    ['P[1]/B1/I', 'I', 'Task'],
  ]);
});

test('mapProcessor: only a Map has one', () => {
  expect(mapProcessor(machine.States.M)?.StartAt).toBe('T');
  expect(mapProcessor({ Type: 'Pass', ItemProcessor: { States: {} } })).toBeUndefined();
  expect([...allStates({})]).toEqual([]);
});
