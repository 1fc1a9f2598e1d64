Console.Error.WriteLine("EdgeGateway: not built yet.");
return 2;
