'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node: osls loads ESM dependencies jest's runtime cannot */
/**
 * Runs the glue-assets plugin of a service directory inside osls's real Serverless instance and AwsProvider, as
 * `sls deploy --stage dev` builds them: `node real-serverless.cjs <serviceDir> <bucket>`. Prints one JSON line: the
 * hooks the plugin registered, whether it got the real provider, the rewritten Glue job, and the upload's error.
 * The AWS endpoint and credentials come from the environment. Used by glue-assets-plugin.int.test.ts.
 */
const path = require('node:path');
const Serverless = require(path.resolve(__dirname, '../../node_modules/osls/lib/serverless'));

async function main([serviceDir, bucket]) {
  const sls = new Serverless({
    commands: ['deploy'],
    options: { stage: 'dev', region: process.env.AWS_REGION },
    serviceDir,
    configurationFilename: 'serverless.yml',
    configuration: {
      service: 'svc',
      frameworkVersion: '4',
      provider: { name: 'aws', region: process.env.AWS_REGION, deploymentPrefix: 'dp', deploymentBucket: { name: bucket, serverSideEncryption: 'AES256' } },
      plugins: ['./glue-jobs/serverless-glue-assets.cjs'],
    },
  });
  await sls.init();
  for (const { hook } of sls.pluginManager.hooks.initialize || []) await hook(); // what every command runs first
  const plugin = sls.pluginManager.plugins.find((p) => p.constructor.name === 'ServerlessGlueAssets');
  const hooks = Object.entries(sls.pluginManager.hooks)
    .filter(([, list]) => list.some((h) => h.pluginName === 'ServerlessGlueAssets'))
    .map(([name]) => name);
  const provider = sls.getProvider('aws');
  sls.service.provider.compiledCloudFormationTemplate = {
    Resources: {
      Job: {
        Type: 'AWS::Glue::Job',
        Properties: { Command: { ScriptLocation: 'glue-jobs/job.py' }, DefaultArguments: { '--extra-py-files': 'glue-jobs/lib.py', '--extra-files': 'glue-jobs/sql/*.sql' } },
      },
    },
  };
  plugin.package();
  let error = null;
  try {
    await plugin.upload();
  } catch (e) {
    error = e.message;
  }
  const job = sls.service.provider.compiledCloudFormationTemplate.Resources.Job.Properties;
  return { hooks, realProvider: plugin.provider === provider && provider.constructor.name, job, error };
}

main(process.argv.slice(2)).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (e) => {
    process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
