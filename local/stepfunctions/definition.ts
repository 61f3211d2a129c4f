import path from 'node:path';
import {
  loadFunctions,
  loadResources,
  loadServerlessConfig,
  readYaml,
  resolveVariables,
  REPO_ROOT,
  type FunctionConfig,
  type ServerlessConfig,
} from './serverless-config';

/**
 * Loads `state-machines/pipeline.asl.yml` and resolves it as `sls package` does: framework variables from the
 * stage's params, then every CloudFormation intrinsic replaced by a fake, local value (Lambda ARNs named as the
 * plugin names them, the Glue job name, the topic ARN). `test/template/pipeline.test.ts` checks that this gives
 * exactly the packaged DefinitionString with the same fakes substituted.
 */
export const DEFINITION_FILE = 'state-machines/pipeline.asl.yml';
export const STATE_MACHINE_KEY = 'pipeline';
/** Pseudo parameters of the local "account". */
export const LOCAL_AWS = { Partition: 'aws', Region: 'eu-west-1', AccountId: '000000000000' } as const;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type AslDefinition = { StartAt: string; States: Record<string, Record<string, Json>>; [k: string]: Json };

export interface ResolvedPipeline {
  stage: string;
  config: ServerlessConfig;
  definition: AslDefinition;
  stateMachineName: string;
  stateMachineArn: string;
  functions: Map<string, FunctionConfig>;
  /** Fake value → what it stands for, for mapping Task resources to local implementations. */
  lambdaArns: Map<string, FunctionConfig>;
  /** Logical id → fake value used for `Ref`. */
  refs: Map<string, string>;
  /** Logical id → CloudFormation type for each `Ref`. */
  refTypes: Map<string, string>;
  /** Every resource of serverless.yml's `resources:` files, by logical id. */
  resources: Map<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export function lambdaArn(deployedName: string): string {
  return `arn:${LOCAL_AWS.Partition}:lambda:${LOCAL_AWS.Region}:${LOCAL_AWS.AccountId}:function:${deployedName}`;
}

/** The fake value a `Ref` to this resource resolves to locally, by resource type. */
export function fakeRef(logicalId: string, type: string, config: ServerlessConfig): string {
  switch (type) {
    case 'AWS::Glue::Job':
      return `${config.service}-${config.stage}-${logicalId}`;
    case 'AWS::SNS::Topic':
      return `arn:${LOCAL_AWS.Partition}:sns:${LOCAL_AWS.Region}:${LOCAL_AWS.AccountId}:${config.service}-${config.stage}-${logicalId}`;
    default:
      throw new Error(`${DEFINITION_FILE}: no local value for !Ref ${logicalId} (${type})`);
  }
}

export function loadPipeline(stage = 'local', root = REPO_ROOT): ResolvedPipeline {
  const config = loadServerlessConfig(stage, root);
  const functions = loadFunctions(config);
  const machines = ((config.raw.stepFunctions as Record<string, unknown> | undefined)?.stateMachines ?? {}) as Record<string, unknown>;
  const machine = resolveVariables(machines[STATE_MACHINE_KEY], config) as { name?: string } | undefined;
  if (!machine?.name) throw new Error(`serverless.yml: stepFunctions.stateMachines.${STATE_MACHINE_KEY}.name is missing`);
  const raw = resolveVariables(readYaml(path.join(root, DEFINITION_FILE)), config);
  const refIds = new Set([...JSON.stringify(raw).matchAll(/\{"Ref":"([A-Za-z0-9]+)"\}/g)].map((m) => m[1]!));
  const resources = loadResources(config, refIds);

  const lambdaArns = new Map<string, FunctionConfig>();
  const refs = new Map<string, string>();
  const refTypes = new Map<string, string>();
  const intrinsic = (node: Record<string, unknown>): string => {
    if ('Fn::GetAtt' in node) {
      const [id, attr] = node['Fn::GetAtt'] as [string, string];
      const fn = functions.get(id);
      if (!fn || attr !== 'Arn') throw new Error(`${DEFINITION_FILE}: no local value for !GetAtt ${id}.${attr}`);
      const arn = lambdaArn(fn.deployedName);
      lambdaArns.set(arn, fn);
      return arn;
    }
    if ('Ref' in node) {
      const id = String(node.Ref);
      const type = resources.get(id)?.Type;
      if (!type) {
        const skipped = resources.skipped.length ? ` (unreadable resource files: ${resources.skipped.join('; ')})` : '';
        throw new Error(`${DEFINITION_FILE}: !Ref ${id} names no resource in serverless.yml resources${skipped}`);
      }
      const value = fakeRef(id, type, config);
      refs.set(id, value);
      refTypes.set(id, type);
      return value;
    }
    throw new Error(`${DEFINITION_FILE}: unsupported intrinsic ${JSON.stringify(node)}`);
  };
  const walk = (v: unknown): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return intrinsic(v as Record<string, unknown>);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v as Json;
  };
  const definition = walk(raw) as AslDefinition;
  const stateMachineName = machine.name;
  return {
    stage,
    config,
    definition,
    stateMachineName,
    stateMachineArn: `arn:${LOCAL_AWS.Partition}:states:${LOCAL_AWS.Region}:${LOCAL_AWS.AccountId}:stateMachine:${stateMachineName}`,
    functions,
    lambdaArns,
    refs,
    refTypes,
    resources,
  };
}
