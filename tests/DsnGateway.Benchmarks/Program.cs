using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(DsnGateway.Benchmarks.ParseAndMapBenchmarks).Assembly).Run(args);
