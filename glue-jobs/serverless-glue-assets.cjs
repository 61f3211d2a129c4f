'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a serverless plugin is loaded with require() */
/**
 * serverless-glue-assets: ships the Glue job's script, helpers and SQL with the stack (serverless itself uploads only
 * function packages).
 *
 * In resources/*.yml an AWS::Glue::Job names its files by local path: `Command.ScriptLocation`,
 * `DefaultArguments['--extra-py-files']` and `['--extra-files']` (comma lists; `*` globs in the file name).
 * At package time this plugin hashes those files, copies them into the package directory and rewrites the paths to
 * `s3://<deployment bucket>/<deploymentPrefix>/<service>/<stage>/glue-assets/<hash>/<path>`; at deploy it uploads them
 * right after serverless uploads its own artifacts (before the stack update), with an AWS SDK v3 S3 client built from
 * the provider's configuration (`provider.getAwsSdkV3Config()`: credentials, region, AWS_ENDPOINT_URL; osls 4 removed
 * the SDK v2 request method). Content-addressed keys: a changed SQL file gives a new prefix, so a running job never sees a
 * half-updated set.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');

const ASSET_ARGS = ['--extra-py-files', '--extra-files'];
const MANIFEST = 'glue-assets.json';

const isLocal = (v) => typeof v === 'string' && v.trim() !== '' && !/^s3:\/\//.test(v.trim());

/** Expands a comma list of service-relative paths (a `*` glob is allowed in the file name) to sorted relative paths. */
function expandPaths(serviceDir, list) {
  const out = [];
  for (const raw of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const rel = raw.replace(/^\.\//, '');
    const dir = path.posix.dirname(rel);
    const base = path.posix.basename(rel);
    if (base.includes('*')) {
      const re = new RegExp(`^${base.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      const matches = fs.readdirSync(path.join(serviceDir, dir)).filter((f) => re.test(f)).sort();
      if (matches.length === 0) throw new Error(`serverless-glue-assets: ${raw} matches no file`);
      out.push(...matches.map((f) => path.posix.join(dir, f)));
    } else {
      if (!fs.existsSync(path.join(serviceDir, rel))) throw new Error(`serverless-glue-assets: ${raw} does not exist`);
      out.push(rel);
    }
  }
  return out;
}

/** sha256 over (path, content) of every file, in path order; the first 16 hex digits name the asset prefix. */
function contentHash(serviceDir, relPaths) {
  const h = crypto.createHash('sha256');
  for (const rel of [...new Set(relPaths)].sort()) {
    h.update(`${rel}\0`);
    h.update(fs.readFileSync(path.join(serviceDir, rel)));
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

function assetPrefix({ deploymentPrefix, service, stage, hash }) {
  return `${deploymentPrefix}/${service}/${stage}/glue-assets/${hash}`;
}

/** CloudFormation value `s3://<bucket>/<key>[,...]`; bucket is a name or a `{ Ref }`. */
function s3UriValue(bucket, keys) {
  if (typeof bucket === 'string') return keys.map((k) => `s3://${bucket}/${k}`).join(',');
  const parts = [];
  keys.forEach((k, i) => parts.push(i === 0 ? 's3://' : ',s3://', bucket, `/${k}`));
  return { 'Fn::Join': ['', parts] };
}

/**
 * Rewrites every Glue job's local asset paths in `template` (mutated) and returns the asset files
 * `[{ rel, key }]` plus the hash. Pure apart from reading the files.
 */
function rewriteTemplate(template, { serviceDir, bucket, deploymentPrefix, service, stage }) {
  const jobs = Object.values(template.Resources || {}).filter((r) => r.Type === 'AWS::Glue::Job');
  const fields = [];
  for (const job of jobs) {
    const props = job.Properties || {};
    if (props.Command && isLocal(props.Command.ScriptLocation)) {
      fields.push({ obj: props.Command, prop: 'ScriptLocation', rels: expandPaths(serviceDir, props.Command.ScriptLocation) });
    }
    for (const arg of ASSET_ARGS) {
      const args = props.DefaultArguments || {};
      if (isLocal(args[arg])) fields.push({ obj: args, prop: arg, rels: expandPaths(serviceDir, args[arg]) });
    }
  }
  if (fields.length === 0) return { hash: null, files: [] };
  const all = [...new Set(fields.flatMap((f) => f.rels))].sort();
  const hash = contentHash(serviceDir, all);
  const prefix = assetPrefix({ deploymentPrefix, service, stage, hash });
  const keyOf = (rel) => `${prefix}/${rel}`;
  for (const f of fields) f.obj[f.prop] = s3UriValue(bucket, f.rels.map(keyOf));
  return { hash, files: all.map((rel) => ({ rel, key: keyOf(rel) })) };
}

class ServerlessGlueAssets {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options || {};
    this.provider = serverless.getProvider('aws');
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.package(),
      'after:aws:deploy:deploy:uploadArtifacts': () => this.upload(),
    };
  }

  /** serverless builds in <service>/.serverless and moves it to --package afterwards (and back at deploy). */
  packageDir() {
    return path.join(this.serverless.serviceDir, '.serverless');
  }

  package() {
    const service = this.serverless.service;
    // A named deployment bucket: after the provider's initialize hook `deploymentBucket` is its name (a string).
    const configured = service.provider.deploymentBucket;
    const bucketName = typeof configured === 'string' ? configured : configured && configured.name;
    const { hash, files } = rewriteTemplate(service.provider.compiledCloudFormationTemplate, {
      serviceDir: this.serverless.serviceDir,
      bucket: bucketName || { Ref: 'ServerlessDeploymentBucket' },
      deploymentPrefix: service.provider.deploymentPrefix || 'serverless',
      service: service.service,
      stage: this.provider.getStage(),
    });
    if (!hash) return;
    const out = path.join(this.packageDir(), 'glue-assets');
    fs.rmSync(out, { recursive: true, force: true });
    for (const f of files) {
      fs.mkdirSync(path.join(out, path.dirname(f.rel)), { recursive: true });
      fs.copyFileSync(path.join(this.serverless.serviceDir, f.rel), path.join(out, f.rel));
    }
    fs.writeFileSync(path.join(out, MANIFEST), `${JSON.stringify({ hash, files }, null, 2)}\n`);
  }

  async upload() {
    const dir = path.join(this.packageDir(), 'glue-assets');
    const manifestFile = path.join(dir, MANIFEST);
    if (!fs.existsSync(manifestFile)) return;
    const { files } = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const bucket = await this.provider.getServerlessDeploymentBucketName();
    const sse = this.serverless.service.provider.deploymentBucketObject || {};
    const s3 = new S3Client(await this.provider.getAwsSdkV3Config());
    try {
      for (const f of files) {
        const params = { Bucket: bucket, Key: f.key, Body: fs.readFileSync(path.join(dir, f.rel)), ContentType: 'text/plain' };
        if (sse.serverSideEncryption) params.ServerSideEncryption = sse.serverSideEncryption;
        if (sse.sseKMSKeyId) params.SSEKMSKeyId = sse.sseKMSKeyId;
        await s3.send(new PutObjectCommand(params));
      }
    } finally {
      s3.destroy();
    }
    const prefix = files[0] ? files[0].key.slice(0, -files[0].rel.length - 1) : '';
    this.serverless.cli.log(`serverless-glue-assets: uploaded ${files.length} Glue job files to s3://${bucket}/${prefix}/`);
  }
}

module.exports = ServerlessGlueAssets;
module.exports.expandPaths = expandPaths;
module.exports.contentHash = contentHash;
module.exports.assetPrefix = assetPrefix;
module.exports.rewriteTemplate = rewriteTemplate;
