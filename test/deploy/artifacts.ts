import type { Template } from '../template/template';

/** One object a resource of the template loads from the deployment bucket. */
export interface Artifact {
  resource: string;
  property: string;
  key: string;
}

const DEPLOYMENT_BUCKET = { Ref: 'ServerlessDeploymentBucket' };
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Keys of an `s3://` value the glue-assets plugin writes: `Fn::Join ['', ['s3://', {Ref: bucket}, '/<key>', ...]]`. */
function joinedKeys(value: unknown, where: string): string[] {
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
  if (!join || join[0] !== '') throw new Error(`${where}: not an s3:// location in the deployment bucket: ${JSON.stringify(value)}`);
  const keys: string[] = [];
  const parts = join[1];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === 's3://' || p === ',s3://') {
      if (!same(parts[i + 1], DEPLOYMENT_BUCKET) || typeof parts[i + 2] !== 'string') throw new Error(`${where}: an s3:// part outside the deployment bucket`);
      keys.push((parts[i + 2] as string).replace(/^\//, ''));
      i += 2;
    } else throw new Error(`${where}: unexpected part ${JSON.stringify(p)}`);
  }
  return keys;
}

/**
 * Every object the template's resources load from the deployment bucket: each Lambda function's code, and each Glue
 * job's script, --extra-py-files and --extra-files. Throws when one of them names anything but that bucket.
 */
export function artifactKeys(t: Template): Artifact[] {
  const out: Artifact[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    const p = (r.Properties ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (r.Type === 'AWS::Lambda::Function') {
      if (!same(p.Code?.S3Bucket, DEPLOYMENT_BUCKET) || typeof p.Code?.S3Key !== 'string') throw new Error(`${id}: code is not in the deployment bucket`);
      out.push({ resource: id, property: 'Code.S3Key', key: p.Code.S3Key });
    }
    if (r.Type === 'AWS::Glue::Job') {
      for (const key of joinedKeys(p.Command?.ScriptLocation, `${id}.Command.ScriptLocation`)) out.push({ resource: id, property: 'ScriptLocation', key });
      for (const arg of ['--extra-py-files', '--extra-files']) {
        for (const key of joinedKeys(p.DefaultArguments?.[arg], `${id}.DefaultArguments.${arg}`)) out.push({ resource: id, property: arg, key });
      }
    }
  }
  return out;
}

/** The artifacts whose key is not among `present` (empty = all there). */
export function missingArtifacts(expected: Artifact[], present: Iterable<string>): string[] {
  const have = new Set(present);
  return expected.filter((a) => !have.has(a.key)).map((a) => `${a.resource}.${a.property}: s3://<deployment bucket>/${a.key} is missing`);
}

/**
 * Where moto 5.2.5 stops the stack update, if that is what happened: its Fn::Sub substitutes named variables with
 * Python's string.Template, whose names cannot start with a digit. serverless-step-functions names the variables of
 * a state machine definition by an md5 hex digest, so a digest that starts with a digit falls through to a Ref
 * lookup of that name, and ExecuteChangeSet answers 500 (KeyError). CloudFormation itself accepts these names.
 * Returns the state machine and variable, or null when the moto log shows any other failure (or none).
 */
export function motoSubLimitation(t: Template, motoLog: string): { stateMachine: string; variable: string } | null {
  const keyErrors = [...motoLog.matchAll(/KeyError: '([^']+)'/g)].map((m) => m[1]!);
  if (keyErrors.length === 0 || !motoLog.includes('execute_change_set')) return null;
  const variable = keyErrors[0]!;
  if (keyErrors.some((k) => k !== variable) || !/^[0-9][0-9a-f]{31}$/.test(variable)) return null;
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const sub = (r.Properties?.DefinitionString as { 'Fn::Sub'?: [string, Record<string, unknown>] })?.['Fn::Sub'];
    if (Array.isArray(sub) && variable in sub[1]) return { stateMachine: id, variable };
  }
  return null;
}
