namespace DsnGateway.Fhir; public static class Placeholder {}
