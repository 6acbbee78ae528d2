// Validates Kubernetes objects against the API schemas of kubernetes-models. The package ships ES
// modules only, so the tests run this as its own Node process: objects as JSON on standard input,
// one problem per line on standard output, exit code 0 when every object is valid.
// Known gap: these schemas accept unknown fields, so a misspelt field passes here; the policy
// tests catch the misspellings that matter by requiring the fields they check.
const input = await new Promise((resolve, reject) => {
  const chunks = [];

  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  process.stdin.on('error', reject);
});

const problems = [];

for (const object of JSON.parse(input)) {
  const where = `${object.kind}/${object.metadata?.name}`;
  const modulePath = `kubernetes-models/${object.apiVersion}`;

  let models;
  try {
    models = await import(modulePath);
  } catch {
    problems.push(`${where}: no schema for apiVersion ${object.apiVersion}`);
    continue;
  }

  const Model = models[object.kind];
  if (typeof Model !== 'function') {
    problems.push(`${where}: no schema for kind ${object.kind} in ${object.apiVersion}`);
    continue;
  }

  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
}

process.stdout.write(problems.map((problem) => `${problem}\n`).join(''));
process.exitCode = problems.length === 0 ? 0 : 1;
