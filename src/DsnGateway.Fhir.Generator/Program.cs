// Generates the FHIR R4 model of DsnGateway.Fhir from the official R4 JSON schema.
//
// Why generate: hand-written FHIR models drift (a missing choice type, a primitive without its `_x`
// extension element). The schema lists every element of every type exactly, so the model is derived
// from it and regenerated, never edited by hand.
//
// Usage: dotnet run --project src/DsnGateway.Fhir.Generator -- <fhir.schema.json> <output folder>
//        (defaults: ../shared/fhir-r4/fhir.schema.json and src/DsnGateway.Fhir/Model/Generated)
using DsnGateway.Fhir.Generator;

var schemaPath = args.Length > 0 ? args[0] : Path.Combine("..", "shared", "fhir-r4", "fhir.schema.json");
var outputDir = args.Length > 1 ? args[1] : Path.Combine("src", "DsnGateway.Fhir", "Model", "Generated");

if (!File.Exists(schemaPath))
{
    Console.Error.WriteLine($"schema not found: {schemaPath}");
    return 1;
}

var schema = FhirSchema.Load(schemaPath);
var emitter = new ModelEmitter(schema, ModelScope.Resources);
var files = emitter.Emit();

if (Directory.Exists(outputDir))
{
    foreach (var old in Directory.GetFiles(outputDir, "*.g.cs"))
    {
        File.Delete(old);
    }
}
Directory.CreateDirectory(outputDir);
foreach (var (name, text) in files)
{
    File.WriteAllText(Path.Combine(outputDir, name), text);
}
Console.WriteLine($"{files.Count} files written to {outputDir}");
return 0;
