namespace DsnGateway.RecordStore; public static class Placeholder {}
