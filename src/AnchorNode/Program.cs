Console.Error.WriteLine("AnchorNode: not built yet.");
return 2;
