using System.Net.Http.Headers;
using System.Text;
using DsnGateway.Fhir.Model;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using DsnGateway.Fhir.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace DsnGateway.RecordStore.Tests;

/// <summary>
/// A real record store: Kestrel on a free loopback port over a real SQLite file in a fresh temporary folder.
/// Each test class gets its own (xunit class fixture), so tests never see each other's data.
/// </summary>
public sealed class RecordStoreFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "dsn-store-tests", Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(Directory, "records.db");

    public Uri BaseUri { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        _app = RecordStoreServer.Build(new RecordStoreOptions { DatabasePath = DatabasePath }, "http://127.0.0.1:0");
        await _app.InitializeAsync();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUri = new Uri(address.TrimEnd('/') + "/");
        Client = new HttpClient { BaseAddress = BaseUri };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }

    public static StringContent Json(Resource resource) => Json(FhirJson.Serialize(resource));

    public static StringContent Json(string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        return content;
    }

    public async Task<T> CreateAsync<T>(T resource) where T : Resource
    {
        using var response = await Client.PostAsync(resource.TypeName, Json(resource));
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201) throw new InvalidOperationException($"create failed: {(int)response.StatusCode} {body}");
        return FhirJson.Parse<T>(body);
    }

    public async Task<(int Status, Resource? Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : FhirJson.Parse(text), response);
    }

    public async Task<Bundle> SearchAsync(string relativeUrl)
    {
        using var response = await Client.GetAsync(relativeUrl);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"search {relativeUrl} failed: {(int)response.StatusCode} {body}");
        return FhirJson.Parse<Bundle>(body);
    }
}
